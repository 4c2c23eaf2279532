import { randomBytes } from 'node:crypto';
import { TOPIC_CONFIGS, TopicNames, type TopicName } from '@tessera/contracts';
import { Kafka, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';
import pino, { type Logger } from 'pino';
import { eventually } from './eventually';

/**
 * One test run's own corner of the shared infrastructure: topic names and database names carry
 * the run id, so suites run side by side, and `cleanup` removes everything the run created.
 */
export class TestRun {
  readonly logger: Logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  readonly topics: TopicNames;
  readonly kafka: Kafka;
  private readonly databases = new Set<string>();
  private readonly createdTopics = new Set<string>();
  private mongo: Promise<MongoClient> | undefined;

  private constructor(
    readonly id: string,
    readonly kafkaBrokers: string[],
    readonly mongoUri: string,
  ) {
    this.topics = new TopicNames(id);
    this.kafka = new Kafka({
      brokers: kafkaBrokers,
      clientId: `test-${id}`,
      logLevel: logLevel.NOTHING,
    });
  }

  static create(name: string): TestRun {
    const brokers = process.env.KAFKA_BROKERS;
    const mongoUri = process.env.MONGODB_URI;
    if (!brokers || !mongoUri)
      throw new Error(
        'KAFKA_BROKERS/MONGODB_URI are not set: run through the int or e2e jest config',
      );
    const id = `${name.replace(/[^a-z0-9]/gi, '').toLowerCase()}-${randomBytes(4).toString('hex')}`;
    return new TestRun(id, brokers.split(','), mongoUri);
  }

  /** A database name of this run; dropped by cleanup. */
  database(name: string): string {
    const database = `${name}_${this.id.replace(/-/g, '_')}`;
    this.databases.add(database);
    return database;
  }

  /** Environment for a service under test, pointed at this run's topics and database. */
  serviceEnv(service: string): Record<string, string> {
    return {
      KAFKA_BROKERS: this.kafkaBrokers.join(','),
      MONGODB_URI: this.mongoUri,
      MONGODB_DATABASE: this.database(`tessera_${service}`),
      TESSERA_TOPIC_SUFFIX: this.id,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
      // Secrets the services require; test values only.
      ADMIN_TOKEN: 'test-admin-token-0123456789',
      WRITE_KEY_PEPPER: 'test-pepper-0123456789',
      PRIVACY_HASH_KEY: 'test-privacy-hash-key-0123456789',
    };
  }

  /** Creates this run's copies of contract topics (and remembers them for cleanup). */
  async createTopics(contractTopics: string[], numPartitions = 3): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const topics = contractTopics.map((topic) => this.topics.resolve(topic));
      await admin.createTopics({
        topics: contractTopics.map((topic) => ({
          topic: this.topics.resolve(topic),
          numPartitions,
          replicationFactor: 1,
          configEntries: Object.entries(TOPIC_CONFIGS[topic as TopicName] ?? {}).map(
            ([name, value]) => ({ name, value }),
          ),
        })),
        // kafkajs's wait gives up on UNKNOWN_TOPIC_OR_PARTITION, which a KRaft broker answers for
        // a moment after accepting a topic; wait here until every partition has a leader.
        waitForLeaders: false,
      });
      topics.forEach((topic) => this.createdTopics.add(topic));
      await eventually(
        () =>
          admin
            .fetchTopicMetadata({ topics })
            .then(({ topics: served }) =>
              served.every(({ partitions }) => partitions.every(({ leader }) => leader >= 0)),
            )
            .catch(() => false),
        30_000,
        `leaders of ${topics.join(', ')}`,
      );
    } finally {
      await admin.disconnect();
    }
  }

  /** One client per run, also when asked for by several callers at once (cleanup closes it). */
  mongoClient(): Promise<MongoClient> {
    this.mongo ??= new MongoClient(this.mongoUri, { serverSelectionTimeoutMS: 10_000 }).connect();
    return this.mongo;
  }

  async cleanup(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const ours = (await admin.listTopics()).filter((topic) => topic.endsWith(`.${this.id}`));
      if (ours.length > 0) await admin.deleteTopics({ topics: ours, timeout: 30_000 });
    } finally {
      await admin.disconnect();
    }
    const client = await this.mongoClient();
    for (const database of this.databases) await client.db(database).dropDatabase();
    await client.close();
    this.mongo = undefined;
  }
}
