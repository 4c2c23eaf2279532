import { AvroCodec, eventKeyOf } from '@tessera/contracts';
import { Kafka, logLevel, Partitioners, type Message } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { chunksOf, sizeOf } from '@tessera/platform-kafka';
import type { BenchInfrastructure } from './bench-infrastructure';
import { identityStream } from './identity-stream';

/** How long the relay may relay nothing before the bench gives up on it. */
const STALL_MS = 60_000;

export interface RelayResult {
  records: number;
  seconds: number;
  recordsPerSecond: number;
}

/**
 * The bare Kafka relay a consuming service is measured against: a kafkajs consumer reads a topic
 * already holding `records` and, batch by batch, produces each batch to another topic (idempotent,
 * acks=all, the service's producer settings) before committing, as a service with no work of its
 * own would. Timed from the group's first batch to the last acknowledged produce.
 */
export async function runKafkaRelay(
  brokers: string[],
  from: string,
  to: string,
  records: number,
): Promise<RelayResult> {
  const kafka = new Kafka({ clientId: 'tessera-bench-relay', brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
  });
  const consumer = kafka.consumer({ groupId: `tessera-bench-relay-${randomUUID()}` });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topic: from, fromBeginning: true });
  let relayed = 0;
  let started = 0;
  let finished = 0;
  let lastProgress = 0;
  let stalled: NodeJS.Timeout | undefined;
  const done = new Promise<void>((resolve, reject) => {
    // A consumer that crashes for good, or a relay that stalls, fails the bench with the reason
    // instead of leaving it waiting.
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart)
        reject(new Error(`the relay's consumer crashed: ${payload.error.message}`));
    });
    stalled = setInterval(() => {
      if (performance.now() - lastProgress > STALL_MS)
        reject(
          new Error(
            `the relay made no progress for ${STALL_MS / 1000} s (${relayed} of ${records})`,
          ),
        );
    }, 1_000);
    lastProgress = performance.now();
    void consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary }) => {
        if (!started) started = performance.now();
        const messages: Message[] = batch.messages.map((m) => ({ key: m.key, value: m.value }));
        // In requests of the size the services' publisher sends (see KafkaPublisher).
        for (const chunk of chunksOf(messages, sizeOf))
          await producer.sendBatch({ topicMessages: [{ topic: to, messages: chunk }], acks: -1 });
        resolveOffset(batch.lastOffset());
        await commitOffsetsIfNecessary();
        relayed += messages.length;
        lastProgress = performance.now();
        if (relayed >= records && !finished) {
          finished = performance.now();
          resolve();
        }
      },
    });
  });
  try {
    await done;
  } finally {
    clearInterval(stalled);
    await consumer.disconnect();
    await producer.disconnect();
  }
  const seconds = (finished - started) / 1000;
  return { records: relayed, seconds, recordsPerSecond: relayed / seconds };
}

/** The topics the relay reads and writes in a run (their names end with the run suffix). */
export function relayTopics(suffix: string): { from: string; to: string } {
  return {
    from: `tessera.bench.relay-in.v1.${suffix}`,
    to: `tessera.bench.relay-out.v1.${suffix}`,
  };
}

/** The relay on a fresh pair of this run's topics, the first filled with `count` records by `fill`. */
export async function relayOnOwnTopics(
  infra: BenchInfrastructure,
  brokers: string[],
  partitions: number,
  suffix: string,
  count: number,
  fill: (topic: string) => Promise<void>,
): Promise<RelayResult> {
  const { from, to } = relayTopics(suffix);
  await infra.createTopic(from, partitions);
  await infra.createTopic(to, partitions);
  await fill(from);
  return runKafkaRelay(brokers, from, to, count);
}

/**
 * The reference the consuming services are compared with: the relay of `count` Event records of an
 * identity stream (keyed by EventKey, produced 500 a request) on this run's own topics. With
 * `sourceId`, the events carry it (a service-shaped id makes records the size ingestion writes).
 */
export async function relayEventStream(
  infra: BenchInfrastructure,
  brokers: string[],
  partitions: number,
  suffix: string,
  count: number,
  tag: string,
  sourceId?: string,
): Promise<RelayResult> {
  const codec = new AvroCodec();
  const records = identityStream(3, count, tag).map((event) => ({
    key: codec.encode('EventKey', eventKeyOf(event)),
    value: codec.encode('Event', sourceId ? { ...event, sourceId } : event),
  }));
  const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING });
  return relayOnOwnTopics(infra, brokers, partitions, suffix, records.length, async (topic) => {
    const producer = kafka.producer({
      idempotent: true,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    for (let start = 0; start < records.length; start += 500)
      await producer.sendBatch({
        topicMessages: [{ topic, messages: records.slice(start, start + 500) }],
        acks: -1,
      });
    await producer.disconnect();
  });
}
