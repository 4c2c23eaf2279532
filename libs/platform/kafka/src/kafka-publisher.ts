import type { Context } from '@opentelemetry/api';
import { Partitioners, type IHeaders, type Kafka, type Message, type Producer } from 'kafkajs';
import { injectTraceContext } from './trace-context';

export interface OutboundRecord {
  key: Buffer | string | null;
  value: Buffer | null;
  headers?: IHeaders;
  /**
   * The trace the record belongs to: the consumed message it was made from (its `traceContext`),
   * so each event keeps its own trace through a batch. The active context when left out.
   */
  traceContext?: Context;
}

/**
 * Producer with acks=all. A publish resolves only when every record is acknowledged by all
 * in-sync replicas, so callers may treat a resolved publish as durable.
 *
 * Not kafkajs's idempotent producer: when the answer to a batch the broker wrote is lost (a
 * connection closed, a broker restarting), it rolls the partition's sequence number back and lets
 * the next batch go out with the same numbers; the broker takes that batch for a retry of the
 * written one and acknowledges it without writing it (test/publisher-lost-answer.int-spec.ts). A
 * retry may write a batch twice instead: at-least-once, which every consumer here absorbs (effects
 * keyed by messageId or by version). One request in flight keeps each partition's order.
 */
export class KafkaPublisher {
  private readonly producer: Producer;
  private connected = false;

  constructor(kafka: Kafka) {
    this.producer = kafka.producer({
      idempotent: false,
      maxInFlightRequests: 1,
      // murmur2 on the key bytes, as the Java client partitions: other producers agree on placement.
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
      // Bounded: a caller (an HTTP request, a consumer batch) must learn that Kafka is gone.
      retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 3_000 },
    });
    this.producer.on('producer.disconnect', () => {
      this.connected = false;
    });
  }

  async connect(): Promise<void> {
    await this.producer.connect();
    this.connected = true;
  }

  isConnected(): boolean {
    return this.connected;
  }

  /**
   * Sends records to several topics, in requests of at most MAX_REQUEST_BYTES one after the other
   * (so each partition's records keep their order): kafkajs puts a partition's records of one
   * request in one record batch, and the broker refuses a batch over its message.max.bytes (1 MiB
   * by default) — which a consumer batch of 1 MiB, enriched, would be.
   */
  async publish(byTopic: Record<string, OutboundRecord[]>): Promise<void> {
    const messages = Object.entries(byTopic).flatMap(([topic, records]) =>
      records.map((record) => ({
        topic,
        message: {
          key: record.key,
          value: record.value,
          headers: injectTraceContext(record.headers ?? {}, record.traceContext),
        },
      })),
    );
    for (const request of chunksOf(messages, (entry) => sizeOf(entry.message))) {
      const byName = new Map<string, Message[]>();
      for (const { topic, message } of request)
        byName.set(topic, [...(byName.get(topic) ?? []), message]);
      const topicMessages = [...byName].map(([topic, list]) => ({ topic, messages: list }));
      await this.producer.sendBatch({ topicMessages, acks: -1 });
    }
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
    this.connected = false;
  }
}

/** Bytes a request may carry; well under the broker's default message.max.bytes of 1 MiB. */
export const MAX_REQUEST_BYTES = 512 * 1024;

/** Consecutive runs of `items` whose sizes add up to at most MAX_REQUEST_BYTES (one item if larger). */
export function chunksOf<T>(items: T[], size: (item: T) => number): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const itemBytes = size(item);
    if (current.length > 0 && bytes + itemBytes > MAX_REQUEST_BYTES) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += itemBytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** A record's bytes on the wire, near enough: key, value and headers. */
export function sizeOf(message: Message): number {
  const length = (value: unknown) =>
    Buffer.isBuffer(value)
      ? value.length
      : typeof value === 'string'
        ? Buffer.byteLength(value)
        : 0;
  const headers = Object.entries(message.headers ?? {}).reduce(
    (sum, [name, value]) => sum + Buffer.byteLength(name) + length(value),
    0,
  );
  return length(message.key) + length(message.value) + headers + 32;
}
