import { ensureTopics } from '@tessera/platform-kafka';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const PROBE_TIMEOUT_MS = 5_000;

/** The bench's corner of Kafka and the store: its topics end with the run suffix. */
export class BenchInfrastructure {
  private readonly kafka: Kafka;

  constructor(
    brokers: string[],
    private readonly mongoUri: string,
    private readonly suffix: string,
  ) {
    this.kafka = new Kafka({
      clientId: `tessera-${suffix}`,
      brokers,
      connectionTimeout: 3_000,
      logLevel: logLevel.NOTHING,
    });
  }

  /** Starts tools/infra when Kafka or the store does not answer. */
  static async ensureRunning(root: string, brokers: string[], mongoUri: string): Promise<void> {
    if ((await kafkaAnswers(brokers)) && (await storeAnswers(mongoUri))) return;
    console.log('Kafka or the store does not answer: running tools/infra/infra.sh up');
    execFileSync('bash', [path.join(root, 'tools/infra/infra.sh'), 'up'], { stdio: 'inherit' });
  }

  async createTopic(topic: string, partitions: number): Promise<void> {
    await ensureTopics(this.kafka, [{ topic, numPartitions: partitions }]);
  }

  /** Records on the topic so far (sum of the partitions' high watermarks minus their starts). */
  async recordCount(topic: string): Promise<number> {
    return this.withAdmin(async (admin) => {
      const offsets = await admin.fetchTopicOffsets(topic);
      return offsets.reduce((sum, { high, low }) => sum + Number(high) - Number(low), 0);
    });
  }

  /**
   * Waits until the topic has not grown for `quietMs` (the service finished the requests still in
   * flight, which the load generator abandoned when it stopped), at most four quiet periods.
   */
  async settledRecordCount(topic: string, quietMs: number): Promise<number> {
    const deadline = Date.now() + 4 * quietMs;
    let count = await this.recordCount(topic);
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, quietMs));
      const now = await this.recordCount(topic);
      if (now === count) return now;
      count = now;
    }
    return count;
  }

  /** Sizes of the records at the start of a topic (the first fetched batch), to compare producers. */
  async recordShape(topic: string): Promise<RecordShape> {
    const consumer = this.kafka.consumer({ groupId: `tessera-bench-sampler.${this.suffix}` });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      return await new Promise<RecordShape>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no record on ${topic}`)), 30_000);
        void consumer.run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            clearTimeout(timer);
            resolve(shapeOf(batch.messages));
            return Promise.resolve();
          },
        });
      });
    } finally {
      await consumer.disconnect();
    }
  }

  async documentCount(database: string, collection: string): Promise<number> {
    const client = await new MongoClient(this.mongoUri, {
      serverSelectionTimeoutMS: 10_000,
    }).connect();
    try {
      return await client.db(database).collection(collection).estimatedDocumentCount();
    } finally {
      await client.close();
    }
  }

  /** Deletes the topics and consumer groups whose names end with the run suffix, drops the database. */
  async cleanup(database: string): Promise<void> {
    await this.withAdmin(async (admin) => {
      const ours = (await admin.listTopics()).filter((topic) => topic.endsWith(this.suffix));
      if (ours.length > 0) await admin.deleteTopics({ topics: ours, timeout: 30_000 });
      const groups = (await admin.listGroups()).groups
        .map(({ groupId }) => groupId)
        .filter((groupId) => groupId.endsWith(this.suffix));
      if (groups.length > 0) await admin.deleteGroups(groups).catch(unlessAllGone);
    });
    const client = await new MongoClient(this.mongoUri, {
      serverSelectionTimeoutMS: 10_000,
    }).connect();
    try {
      await client.db(database).dropDatabase();
    } finally {
      await client.close();
    }
  }

  private async withAdmin<T>(work: (admin: ReturnType<Kafka['admin']>) => Promise<T>): Promise<T> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return await work(admin);
    } finally {
      await admin.disconnect();
    }
  }
}

export interface RecordShape {
  records: number;
  meanKeyBytes: number;
  meanValueBytes: number;
  meanHeaderBytes: number;
  headerNames: string[];
}

function shapeOf(messages: KafkaMessage[]): RecordShape {
  const mean = (size: (message: KafkaMessage) => number) =>
    Math.round(messages.reduce((sum, message) => sum + size(message), 0) / messages.length);
  const headerBytes = (message: KafkaMessage) =>
    Object.entries(message.headers ?? {}).reduce(
      (sum, [name, value]) => sum + name.length + (value ? String(value).length : 0),
      0,
    );
  return {
    records: messages.length,
    meanKeyBytes: mean((message) => message.key?.length ?? 0),
    meanValueBytes: mean((message) => message.value?.length ?? 0),
    meanHeaderBytes: mean(headerBytes),
    headerNames: [...new Set(messages.flatMap((message) => Object.keys(message.headers ?? {})))],
  };
}

/**
 * A group with no committed offsets goes away by itself once its last member leaves: one listed a
 * moment ago may be gone by the time it is deleted, which is no failure of the clean-up.
 */
function unlessAllGone(error: unknown): void {
  const groups = (error as { groups?: { error?: { type?: string } }[] }).groups ?? [];
  const failed = groups.filter((group) => group.error);
  if (failed.length === 0 || failed.some((group) => group.error?.type !== 'GROUP_ID_NOT_FOUND'))
    throw error;
}

async function kafkaAnswers(brokers: string[]): Promise<boolean> {
  const admin = new Kafka({
    clientId: 'tessera-bench-probe',
    brokers,
    connectionTimeout: PROBE_TIMEOUT_MS,
    retry: { retries: 1 },
    logLevel: logLevel.NOTHING,
  }).admin();
  try {
    await admin.connect();
    await admin.listTopics();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function storeAnswers(uri: string): Promise<boolean> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: PROBE_TIMEOUT_MS });
  try {
    await client.connect();
    await client.db('admin').command({ ping: 1 });
    return true;
  } catch {
    return false;
  } finally {
    await client.close().catch(() => undefined);
  }
}
