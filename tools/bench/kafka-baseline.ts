import { parseSegmentEvent } from '@tessera/collection';
import { AvroCodec } from '@tessera/contracts';
import { Kafka, Partitioners, logLevel, type Message } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { percentiles, type Percentiles } from './percentiles';
import { encode } from './request-cpu-cost';
import { SegmentEventFactory } from './segment-event-factory';

export interface KafkaBaselineOptions {
  brokers: string[];
  topic: string;
  /** Distinct batches to encode; they are sent in turn (the broker does not de-duplicate). */
  batches: number;
  eventsPerBatch: number;
  senders: number;
  durationSeconds: number;
  warmupSeconds: number;
}

export interface KafkaBaselineResult {
  durationSeconds: number;
  batches: number;
  events: number;
  eventsPerSecond: number;
  sendLatencyMs: Percentiles;
  meanAvroValueBytes: number;
  /** CPU of the producer's process while measuring (1.0 = one core busy all the time). */
  coresUsed: number;
}

/**
 * The ceiling the ingestion service is measured against: a bare kafkajs producer with the
 * settings of the service's KafkaPublisher (idempotent, acks=all, one request in flight,
 * murmur2 partitioner, bounded retries) and of its client (timeouts, retry), sending the
 * service's Avro records of the same Segment calls, in batches of the same size, from as many
 * concurrent senders as there are HTTP connections. `onMeasuring` fires after the warm-up.
 */
export async function runKafkaBaseline(
  options: KafkaBaselineOptions,
  onMeasuring: () => void = () => undefined,
): Promise<KafkaBaselineResult> {
  const batches = encodeBatches(options.batches, options.eventsPerBatch);
  const kafka = new Kafka({
    clientId: 'tessera-bench-baseline',
    brokers: options.brokers,
    connectionTimeout: 3_000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 100, maxRetryTime: 3_000, retries: 8 },
    logLevel: logLevel.ERROR,
  });
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
    retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 3_000 },
  });
  await producer.connect();
  try {
    let next = 0;
    const send = async (until: number, latencies: number[]) => {
      while (performance.now() < until) {
        const messages = batches[next++ % batches.length];
        const start = performance.now();
        await producer.sendBatch({ topicMessages: [{ topic: options.topic, messages }], acks: -1 });
        latencies.push(performance.now() - start);
      }
    };
    const run = async (seconds: number) => {
      const latencies: number[] = [];
      const start = performance.now();
      const until = start + seconds * 1000;
      await Promise.all(Array.from({ length: options.senders }, () => send(until, latencies)));
      return { elapsed: (performance.now() - start) / 1000, latencies };
    };

    await run(options.warmupSeconds);
    onMeasuring();
    const cpu = process.cpuUsage();
    const { elapsed, latencies } = await run(options.durationSeconds);
    const { user, system } = process.cpuUsage(cpu);
    const events = latencies.length * options.eventsPerBatch;
    const records = batches.flat();
    return {
      durationSeconds: Math.round(elapsed * 100) / 100,
      batches: latencies.length,
      events,
      eventsPerSecond: Math.round(events / elapsed),
      sendLatencyMs: percentiles(latencies),
      meanAvroValueBytes: Math.round(
        records.reduce((sum, record) => sum + (record.value as Buffer).length, 0) / records.length,
      ),
      coresUsed: Math.round(((user + system) / 1e6 / elapsed) * 100) / 100,
    };
  } finally {
    await producer.disconnect();
  }
}

/** The records the service would write for the same generated `/v1/batch` bodies. */
function encodeBatches(count: number, size: number): Message[][] {
  const factory = new SegmentEventFactory();
  const codec = new AvroCodec();
  // Shaped like the service's source ids (`src_` and 32 hex digits), so records are the same size.
  const sourceId = `src_${randomUUID().replace(/-/g, '')}`;
  return Array.from({ length: count }, () =>
    Array.from({ length: size }, () => {
      const parsed = parseSegmentEvent(factory.call(), {
        sourceId,
        receivedAt: Date.now(),
      });
      if (!parsed.ok) throw new Error(`a generated event is invalid: ${JSON.stringify(parsed)}`);
      return encode(codec, parsed.event);
    }),
  );
}
