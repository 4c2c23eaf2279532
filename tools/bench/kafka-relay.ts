import { Kafka, logLevel, Partitioners, type Message } from 'kafkajs';
import { randomUUID } from 'node:crypto';

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
  const done = new Promise<void>((resolve) => {
    void consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary }) => {
        if (!started) started = performance.now();
        const messages: Message[] = batch.messages.map((m) => ({ key: m.key, value: m.value }));
        await producer.sendBatch({ topicMessages: [{ topic: to, messages }], acks: -1 });
        resolveOffset(batch.lastOffset());
        await commitOffsetsIfNecessary();
        relayed += messages.length;
        if (relayed >= records && !finished) {
          finished = performance.now();
          resolve();
        }
      },
    });
  });
  await done;
  await consumer.disconnect();
  await producer.disconnect();
  const seconds = (finished - started) / 1000;
  return { records: relayed, seconds, recordsPerSecond: relayed / seconds };
}
