import {
  AvroCodec,
  eventKeyOf,
  TOPICS,
  type AudienceMembership,
  type DeadLetter,
  type IdentityMerge,
  type PrivacyResolution,
  type PrivacyStatus,
  type ProfileSnapshot,
  type ResolvedEvent,
} from '@tessera/contracts';
import { KafkaBatchServer, KafkaPublisher } from '@tessera/platform-kafka';
import { bootstrapService, type RunningService } from '@tessera/platform-service';
import { eventually, TestRun } from '@tessera/testing';
import type { Consumer } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { AppModule } from '../src/app.module';
import { loadEnrichmentConfig, type EnrichmentConfig } from '../src/config/enrichment.config';

/** An input record of the enrichment service: a resolved event or a merge. */
export type EnrichmentInput =
  { kind: 'event'; event: ResolvedEvent } | { kind: 'merge'; merge: IdentityMerge };

/** Enrichment replicas in this process, on one run's topics and database; follows the profiles topic. */
export class EnrichmentHarness {
  readonly codec = new AvroCodec();
  /** The profiles topic as read from the start: key -> latest value (null for a tombstone). */
  readonly latest = new Map<string, ProfileSnapshot | null>();
  readonly records: { profileId: string; value: ProfileSnapshot | null }[] = [];
  /** The headers of each key's latest tombstone (why it went, and where). */
  readonly tombstoneHeaders = new Map<string, Record<string, string>>();
  readonly deadLetters: DeadLetter[] = [];
  readonly memberships: AudienceMembership[] = [];
  /** Every record of the privacy statuses topic, in the order read. */
  readonly privacyStatuses: PrivacyStatus[] = [];
  readonly replicas: RunningService[] = [];
  private readonly readers: Consumer[] = [];
  private readonly producer: KafkaPublisher;

  private constructor(
    readonly run: TestRun,
    readonly config: EnrichmentConfig,
  ) {
    this.producer = new KafkaPublisher(run.kafka);
  }

  static async start(
    name: string,
    replicas = 1,
    env: Record<string, string> = {},
  ): Promise<EnrichmentHarness> {
    const run = TestRun.create(name);
    const config = loadEnrichmentConfig({
      ...run.serviceEnv('enrichment'),
      KAFKA_TOPIC_PARTITIONS: '4',
      IDENTITY_DEFAULT_REGION: 'DE',
      ...env,
    });
    const harness = new EnrichmentHarness(run, config);
    for (let n = 0; n < replicas; n++) await harness.startReplica();
    await harness.producer.connect();
    await harness.follow(run.topics.resolve(TOPICS.profiles), (key, value, headers) => {
      const { profileId } = harness.codec.decodeAs('ProfileKey', key);
      if (!value) harness.tombstoneHeaders.set(profileId, headers);
      const snapshot = value && harness.codec.decodeAs('ProfileSnapshot', value);
      harness.records.push({ profileId, value: snapshot });
      harness.latest.set(profileId, snapshot);
    });
    await harness.follow(run.topics.resolve(TOPICS.audiences), (_key, value) => {
      if (value) harness.memberships.push(harness.codec.decodeAs('AudienceMembership', value));
    });
    await harness.follow(run.topics.resolve(TOPICS.privacyStatuses), (_key, value) => {
      if (value) harness.privacyStatuses.push(harness.codec.decodeAs('PrivacyStatus', value));
    });
    for (const topic of [TOPICS.resolvedEvents, TOPICS.identityMerges, TOPICS.privacyResolutions])
      await harness.follow(run.topics.deadLetter(topic), (_key, value) => {
        if (value) harness.deadLetters.push(harness.codec.decodeAs('DeadLetter', value));
      });
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

  /**
   * Publishes inputs one by one as the identity service does: events keyed as accepted events are
   * (`eventKeyOf`), merges by `from`.
   */
  async publish(inputs: EnrichmentInput[]): Promise<void> {
    for (const input of inputs)
      await (input.kind === 'event'
        ? this.publishEvents([input.event])
        : this.producer.publish({
            [this.run.topics.resolve(TOPICS.identityMerges)]: [
              {
                key: this.codec.encode('ProfileKey', { profileId: input.merge.from }),
                value: this.codec.encode('IdentityMerge', input.merge),
              },
            ],
          }));
  }

  /** Publishes resolved events in one acknowledged batch, keyed as the identity service keys them. */
  async publishEvents(events: ResolvedEvent[]): Promise<void> {
    await this.producer.publish({
      [this.run.topics.resolve(TOPICS.resolvedEvents)]: events.map((event) => ({
        key: this.codec.encode('EventKey', eventKeyOf(event)),
        value: this.codec.encode('ResolvedEvent', event),
      })),
    });
  }

  /**
   * Publishes inputs one by one, each topic's all keyed by `key`, so they are read in order on one
   * partition: the last one having taken effect shows the ones before it were consumed.
   */
  async publishInOrder(key: string, inputs: EnrichmentInput[]): Promise<void> {
    for (const input of inputs)
      await this.producer.publish({
        [this.run.topics.resolve(
          input.kind === 'event' ? TOPICS.resolvedEvents : TOPICS.identityMerges,
        )]: [
          input.kind === 'event'
            ? {
                key: this.codec.encode('EventKey', { key }),
                value: this.codec.encode('ResolvedEvent', input.event),
              }
            : {
                key: this.codec.encode('ProfileKey', { profileId: key }),
                value: this.codec.encode('IdentityMerge', input.merge),
              },
        ],
      });
  }

  /** Publishes a privacy request as the identity service resolved it. */
  async publishResolution(resolution: PrivacyResolution): Promise<void> {
    await this.producer.publish({
      [this.run.topics.resolve(TOPICS.privacyResolutions)]: [
        {
          key: this.codec.encode('PrivacyRequestKey', { requestId: resolution.requestId }),
          value: this.codec.encode('PrivacyResolution', resolution),
        },
      ],
    });
  }

  /** Raw bytes on an input topic (poison records). */
  async publishRaw(contractTopic: string, value: Buffer): Promise<void> {
    await this.producer.publish({
      [this.run.topics.resolve(contractTopic)]: [{ key: 'poison', value }],
    });
  }

  /** Waits until the profiles topic shows every one of these event counts (profileId -> count). */
  async settled(expected: Map<string, number>, timeoutMs = 90_000): Promise<void> {
    await eventually(
      () =>
        [...expected].every(
          ([profileId, count]) => this.latest.get(profileId)?.computed.eventCount === count,
        ),
      timeoutMs,
      'profiles topic shows every profile folded',
    );
  }

  /** GET on the first replica's API, with the admin token unless told otherwise. */
  async api(path: string, token: string | null = this.config.adminToken) {
    return this.request('GET', path, undefined, token);
  }

  /** Any request to the first replica's API; the body is sent as JSON. */
  async request(
    method: string,
    path: string,
    body?: unknown,
    token: string | null = this.config.adminToken,
  ) {
    const response = await fetch(`${this.replicas[0].url}${path}`, {
      method,
      headers: {
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.readers.map((reader) => reader.disconnect()));
    await Promise.all(this.replicas.map((replica) => replica.close()));
    await this.producer.disconnect();
    await this.run.cleanup();
  }

  private async follow(
    topic: string,
    onRecord: (key: Buffer, value: Buffer | null, headers: Record<string, string>) => void,
  ): Promise<void> {
    const reader = this.run.kafka.consumer({ groupId: `reader-${randomUUID()}` });
    this.readers.push(reader);
    await reader.connect();
    await reader.subscribe({ topic, fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        const headers = Object.fromEntries(
          Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]),
        );
        if (message.key) onRecord(message.key, message.value, headers);
      },
    });
  }
}
