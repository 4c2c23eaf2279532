import { TOPICS, type TopicName, type TopicNames } from '@tessera/contracts';
import type { Kafka } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import type { ServiceName } from './fleet';

/** The topics each service consumes (its `@EventPattern`s), in its group `tessera-<service>`. */
export const INPUTS: Record<ServiceName, TopicName[]> = {
  ingestion: [TOPICS.rawEvents, TOPICS.privacyStatuses, TOPICS.privacyResolutions],
  identity: [TOPICS.acceptedEvents, TOPICS.privacyRequests],
  enrichment: [TOPICS.resolvedEvents, TOPICS.identityMerges, TOPICS.privacyResolutions],
  activation: [TOPICS.profiles, TOPICS.audiences, TOPICS.privacyResolutions],
};

export interface ReadRecord {
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/** Every record of a topic as it stands now, from the beginning to the current end offsets. */
export async function readTopic(kafka: Kafka, topic: string): Promise<ReadRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  let ends: Map<number, bigint>;
  try {
    ends = new Map(
      (await admin.fetchTopicOffsets(topic))
        .filter(({ high, low }) => BigInt(high) > BigInt(low))
        .map(({ partition, high }) => [partition, BigInt(high) - 1n]),
    );
  } finally {
    await admin.disconnect();
  }
  if (ends.size === 0) return [];
  const records: ReadRecord[] = [];
  const consumer = kafka.consumer({ groupId: `faults-reader-${randomUUID()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachBatch: async ({ batch }) => {
            for (const message of batch.messages) {
              records.push({
                partition: batch.partition,
                offset: message.offset,
                key: message.key,
                value: message.value,
                headers: Object.fromEntries(
                  Object.entries(message.headers ?? {}).map(([name, value]) => [
                    name,
                    String(value),
                  ]),
                ),
              });
              const end = ends.get(batch.partition);
              if (end !== undefined && BigInt(message.offset) >= end) ends.delete(batch.partition);
            }
            if (ends.size === 0) resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return records;
}

/** Messages not yet committed by each service's consumer group, per `group topic`. */
export async function consumerLag(
  kafka: Kafka,
  topics: TopicNames,
): Promise<Record<string, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const lag: Record<string, number> = {};
    // Each input topic's end offsets once, also for a topic several groups read.
    const inputTopics = [...new Set(Object.values(INPUTS).flat())].map((t) => topics.resolve(t));
    const endsOf = new Map(
      await Promise.all(
        inputTopics.map(
          async (topic) =>
            [
              topic,
              new Map(
                (await admin.fetchTopicOffsets(topic)).map(({ partition, high, low }) => [
                  partition,
                  { high: Number(high), low: Number(low) },
                ]),
              ),
            ] as const,
        ),
      ),
    );
    for (const [service, inputs] of Object.entries(INPUTS)) {
      const groupId = topics.groupId(`tessera-${service}`);
      const resolved = inputs.map((topic) => topics.resolve(topic));
      const committed = await admin.fetchOffsets({ groupId, topics: resolved });
      for (const { topic, partitions } of committed) {
        let behind = 0;
        for (const { partition, offset } of partitions) {
          const end = endsOf.get(topic)?.get(partition) ?? { high: 0, low: 0 };
          const from = Number(offset) < 0 ? end.low : Number(offset);
          behind += Math.max(0, end.high - from);
        }
        lag[`${groupId} ${topic}`] = behind;
      }
    }
    return lag;
  } finally {
    await admin.disconnect();
  }
}
