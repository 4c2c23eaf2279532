import { TcpLink } from '@tessera/testing';
import type { Socket } from 'node:net';

const METADATA = 3;

/**
 * The network between the service and the broker, with a switch: a TCP proxy that forwards Kafka
 * traffic to the real broker until it is cut, and refuses every connection while it is cut.
 *
 * Why a proxy and not something else: stopping the shared broker would break the suites running
 * beside this one; deleting the run's topic races with auto-creation (the broker has
 * auto.create.topics.enable=true); and min.insync.replicas above the replication factor is capped
 * by Kafka 3.9 to the replica count, so writes are still acknowledged. A plain proxy is bypassed,
 * because the broker advertises 127.0.0.1:9092 in its Metadata responses and clients then connect
 * there directly; so this one rewrites the advertised port in Metadata responses (kafkajs speaks
 * Metadata v0-v6, which have a fixed layout), which keeps the service's produce, fetch and
 * metadata connections on the proxy. Nothing else of the protocol is touched (the consumer group
 * coordinator, found through FindCoordinator, is still reached directly).
 */
export class BrokerLink extends TcpLink {
  static open(broker: string): Promise<BrokerLink> {
    const [host, port] = broker.split(':');
    return new BrokerLink({ host, port: Number(port) }).listen();
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  protected override forward(client: Socket, broker: Socket): void {
    /** Metadata requests by correlation id, with their API version. */
    const metadataRequests = new Map<number, number>();
    client.on(
      'data',
      frames((frame) => {
        if (frame.readInt16BE(4) === METADATA)
          metadataRequests.set(frame.readInt32BE(8), frame.readInt16BE(6));
        broker.write(frame);
      }),
    );
    broker.on(
      'data',
      frames((frame) => {
        const correlationId = frame.readInt32BE(4);
        const version = metadataRequests.get(correlationId);
        if (version !== undefined) {
          metadataRequests.delete(correlationId);
          this.advertiseProxy(frame, version);
        }
        client.write(frame);
      }),
    );
  }

  /** Metadata response v0-v6: [throttle_time_ms (v3+)] [brokers: node_id host port rack (v1+)] ... */
  private advertiseProxy(frame: Buffer, version: number): void {
    const proxyPort = this.port;
    let offset = 8 + (version >= 3 ? 4 : 0);
    const brokers = frame.readInt32BE(offset);
    offset += 4;
    for (let i = 0; i < brokers; i++) {
      offset += 4; // node_id
      offset += 2 + frame.readInt16BE(offset); // host
      if (frame.readInt32BE(offset) === this.target.port) frame.writeInt32BE(proxyPort, offset);
      offset += 4; // port
      if (version >= 1) {
        const rack = frame.readInt16BE(offset);
        offset += 2 + Math.max(rack, 0);
      }
    }
  }
}

/** Splits a Kafka byte stream into whole size-prefixed frames. */
function frames(onFrame: (frame: Buffer) => void): (chunk: Buffer) => void {
  let pending = Buffer.alloc(0);
  return (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
      const size = 4 + pending.readInt32BE(0);
      onFrame(Buffer.from(pending.subarray(0, size)));
      pending = pending.subarray(size);
    }
  };
}
