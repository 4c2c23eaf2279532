import {
  AvroCodec,
  eventKeyOf,
  TOPICS,
  type DeadLetter,
  type Event,
  type IdentityMerge,
  type PrivacyRequest,
  type PrivacyResolution,
  type PrivacyStatus,
  type ResolvedEvent,
} from '@tessera/contracts';
import { KafkaBatchServer, KafkaPublisher } from '@tessera/platform-kafka';
import { bootstrapService, type RunningService } from '@tessera/platform-service';
import { eventually, TestRun } from '@tessera/testing';
import type { Consumer } from 'kafkajs';
import { MongoClient, type Db } from 'mongodb';
import { randomUUID } from 'node:crypto';
import { AppModule } from '../src/app.module';
import { loadIdentityConfig, type IdentityConfig } from '../src/config/identity.config';
import { readStoredGraph } from './stored-graph';

/** Identity service replicas in this process, on one run's topics and database. */
export class IdentityHarness {
  readonly codec = new AvroCodec();
  readonly resolved: ResolvedEvent[] = [];
  /** The partition and decoded key of each record in `resolved`, at the same index. */
  readonly resolvedAt: { partition: number; key: string }[] = [];
  readonly merges: IdentityMerge[] = [];
  readonly deadLetters: DeadLetter[] = [];
  readonly privacyResolutions: PrivacyResolution[] = [];
  readonly privacyStatuses: PrivacyStatus[] = [];
  private readonly replicas: RunningService[] = [];
  private readonly readers: Consumer[] = [];
  private readonly producer: KafkaPublisher;
  private mongo: MongoClient | undefined;

  private constructor(
    readonly run: TestRun,
    readonly config: IdentityConfig,
    /** The environment the replicas were configured from (for one started as its own process). */
    readonly env: Record<string, string>,
  ) {
    this.producer = new KafkaPublisher(run.kafka);
  }

  static async start(
    name: string,
    env: Record<string, string> = {},
    replicas = 1,
  ): Promise<IdentityHarness> {
    const run = TestRun.create(name);
    const serviceEnv = { ...run.serviceEnv('identity'), KAFKA_TOPIC_PARTITIONS: '4', ...env };
    const config = loadIdentityConfig(serviceEnv);
    const harness = new IdentityHarness(run, config, serviceEnv);
    for (let n = 0; n < replicas; n++) await harness.startReplica();
    await harness.producer.connect();
    await harness.follow(run.topics.resolve(TOPICS.resolvedEvents), (value, key, partition) => {
      harness.resolved.push(harness.codec.decodeAs('ResolvedEvent', value));
      harness.resolvedAt.push({ partition, key: harness.codec.decodeAs('EventKey', key).key });
    });
    await harness.follow(run.topics.resolve(TOPICS.identityMerges), (value) =>
      harness.merges.push(harness.codec.decodeAs('IdentityMerge', value)),
    );
    await harness.follow(run.topics.deadLetter(TOPICS.acceptedEvents), (value) =>
      harness.deadLetters.push(harness.codec.decodeAs('DeadLetter', value)),
    );
    await harness.follow(run.topics.resolve(TOPICS.privacyResolutions), (value) =>
      harness.privacyResolutions.push(harness.codec.decodeAs('PrivacyResolution', value)),
    );
    await harness.follow(run.topics.resolve(TOPICS.privacyStatuses), (value) =>
      harness.privacyStatuses.push(harness.codec.decodeAs('PrivacyStatus', value)),
    );
    return harness;
  }

  async startReplica(): Promise<RunningService> {
    const replica = await bootstrapService({
      module: AppModule.register(this.config, this.run.logger),
      config: this.config,
      logger: this.run.logger,
      port: 0,
      transport: KafkaBatchServer,
    });
    this.replicas.push(replica);
    return replica;
  }

  /** Publishes accepted events as ingestion does (Avro, keyed by userId ?? anonymousId). */
  async publish(events: Event[]): Promise<void> {
    await this.producer.publish({
      [this.run.topics.resolve(TOPICS.acceptedEvents)]: events.map((event) => ({
        key: this.codec.encode('EventKey', eventKeyOf(event)),
        value: this.codec.encode('Event', event),
      })),
    });
  }

  /** Publishes a privacy request as ingestion does (Avro, keyed by its request id). */
  async publishPrivacyRequest(request: PrivacyRequest): Promise<void> {
    await this.producer.publish({
      [this.run.topics.resolve(TOPICS.privacyRequests)]: [
        {
          key: this.codec.encode('PrivacyRequestKey', { requestId: request.requestId }),
          value: this.codec.encode('PrivacyRequest', request),
        },
      ],
    });
  }

  /** Stops the replicas running in this process (gracefully). */
  async stopReplicas(): Promise<void> {
    await Promise.all(this.replicas.splice(0).map((replica) => replica.close()));
  }

  /** The service's database, as the store holds it. */
  async db(): Promise<Db> {
    this.mongo ??= await MongoClient.connect(this.run.mongoUri);
    return this.mongo.db(this.config.mongo.database);
  }

  /** Publishes the events and waits until each was resolved; returns their messageIds. */
  async publishAndResolve(events: Event[], timeoutMs = 120_000): Promise<Set<string>> {
    await this.publish(events);
    const ids = new Set(events.map((event) => event.messageId));
    await eventually(
      () =>
        new Set(this.resolved.map((r) => r.messageId).filter((m) => ids.has(m))).size === ids.size,
      timeoutMs,
      'every event resolved',
    );
    return ids;
  }

  /** GET on the first replica's API, with the admin token unless told otherwise. */
  async api(path: string, token: string | null = this.config.adminToken) {
    const response = await fetch(`${this.replicas[0].url}${path}`, {
      headers: token === null ? {} : { authorization: `Bearer ${token}` },
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  /** The first replica's Prometheus metrics. */
  async metrics(): Promise<string> {
    return (await fetch(`${this.replicas[0].url}/metrics`)).text();
  }

  /** The live profile of every linked identifier, read from the store. */
  async groups(): Promise<Map<string, string>> {
    return (await readStoredGraph(await this.db())).groups;
  }

  async close(): Promise<void> {
    await Promise.all(this.readers.map((reader) => reader.disconnect()));
    await Promise.all(this.replicas.map((replica) => replica.close()));
    await this.producer.disconnect();
    await this.mongo?.close();
    await this.run.cleanup();
  }

  private async follow(
    topic: string,
    onValue: (value: Buffer, key: Buffer, partition: number) => void,
  ): Promise<void> {
    const reader = this.run.kafka.consumer({ groupId: `reader-${randomUUID()}` });
    this.readers.push(reader);
    await reader.connect();
    await reader.subscribe({ topic, fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message, partition }) => {
        if (message.value) onValue(message.value, message.key ?? Buffer.alloc(0), partition);
      },
    });
  }
}
