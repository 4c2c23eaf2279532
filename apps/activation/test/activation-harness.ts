import {
  AvroCodec,
  TOMBSTONE_HEADERS,
  TOPICS,
  type AudienceMembership,
  type ProfileSnapshot,
} from '@tessera/contracts';
import { KafkaBatchServer, KafkaPublisher } from '@tessera/platform-kafka';
import { bootstrapService, type RunningService } from '@tessera/platform-service';
import { TestRun } from '@tessera/testing';
import type { Consumer, KafkaMessage } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { AppModule } from '../src/app.module';
import { loadActivationConfig, type ActivationConfig } from '../src/config/activation.config';

/** An answer of the API, read loosely. */
export type ApiBody = Record<string, unknown> & { message?: string };

export interface SubscriptionView {
  id: string;
  status: string;
  statusReason: string | null;
  secrets: { secret: string; expiresAt: string | null }[];
}

export interface FailedView {
  messageId: string;
  profileId: string;
  type: string;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string;
}

export interface AttemptView {
  messageId: string;
  attempt: number;
  statusCode: number | null;
  outcome: string;
  error: string | null;
  latencyMs: number;
}

/** Settings that keep tests quick: short retries, fast polls and refreshes, loopback allowed. */
export const TEST_ENV: Record<string, string> = {
  KAFKA_TOPIC_PARTITIONS: '3',
  WEBHOOK_ALLOWLIST: '127.0.0.1/32',
  WEBHOOK_RETRY_SCHEDULE: '0,200ms,400ms,800ms',
  WEBHOOK_TIMEOUT_MS: '2000',
  DELIVERY_POLL_MS: '100',
  SUBSCRIPTIONS_REFRESH_MS: '200',
};

/** Activation replicas in this process, on one run's topics and database, fed as enrichment would. */
export class ActivationHarness {
  readonly codec = new AvroCodec();
  readonly replicas: RunningService[] = [];
  private readonly readers: Consumer[] = [];
  private readonly producer: KafkaPublisher;

  private constructor(
    readonly run: TestRun,
    readonly config: ActivationConfig,
  ) {
    this.producer = new KafkaPublisher(run.kafka);
  }

  static async start(
    name: string,
    env: Record<string, string> = {},
    replicas = 1,
  ): Promise<ActivationHarness> {
    const run = TestRun.create(name);
    const config = loadActivationConfig({ ...run.serviceEnv('activation'), ...TEST_ENV, ...env });
    const harness = new ActivationHarness(run, config);
    for (let n = 0; n < replicas; n++) await harness.startReplica();
    await harness.producer.connect();
    return harness;
  }

  /** A harness for a run whose activation runs elsewhere (a child process): publishes and reads only. */
  static async attach(run: TestRun, env: Record<string, string>): Promise<ActivationHarness> {
    const harness = new ActivationHarness(run, loadActivationConfig(env));
    await harness.producer.connect();
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

  /** Publishes profile snapshots on the profiles topic, keyed by profile, in order. */
  async publishSnapshots(snapshots: ProfileSnapshot[]): Promise<void> {
    await this.producer.publish({
      [this.run.topics.resolve(TOPICS.profiles)]: snapshots.map((snapshot) => ({
        key: this.key(snapshot.profileId),
        value: this.codec.encode('ProfileSnapshot', snapshot),
      })),
    });
  }

  async publishMemberships(memberships: AudienceMembership[]): Promise<void> {
    await this.producer.publish({
      [this.run.topics.resolve(TOPICS.audiences)]: memberships.map((membership) => ({
        key: this.key(membership.profileId),
        value: this.codec.encode('AudienceMembership', membership),
      })),
    });
  }

  /** A tombstone as enrichment writes it: merged into another profile, or deleted. */
  async publishTombstone(profileId: string, mergedInto: string | null): Promise<void> {
    await this.producer.publish({
      [this.run.topics.resolve(TOPICS.profiles)]: [
        {
          key: this.key(profileId),
          value: null,
          headers: mergedInto
            ? { [TOMBSTONE_HEADERS.reason]: 'merged', [TOMBSTONE_HEADERS.mergedInto]: mergedInto }
            : { [TOMBSTONE_HEADERS.reason]: 'deleted' },
        },
      ],
    });
  }

  /** Raw bytes on a contract topic (poison records; a null value is a bare tombstone). */
  async publishRaw(
    contractTopic: string,
    key: Buffer | string,
    value: Buffer | null,
  ): Promise<void> {
    await this.producer.publish({ [this.run.topics.resolve(contractTopic)]: [{ key, value }] });
  }

  /** Reads a topic from the start, handing every record to `onRecord`. */
  async follow(topic: string, onRecord: (message: KafkaMessage) => void): Promise<void> {
    const reader = this.run.kafka.consumer({ groupId: `reader-${randomUUID()}` });
    this.readers.push(reader);
    await reader.connect();
    await reader.subscribe({ topic, fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        onRecord(message);
      },
    });
  }

  /** Any request to the first replica's API with the admin token; the body is sent as JSON. */
  async request<T = ApiBody>(
    method: string,
    path: string,
    body?: unknown,
    token: string | null = this.config.adminToken,
  ): Promise<{ status: number; body: T }> {
    const response = await fetch(`${this.replicas[0].url}${path}`, {
      method,
      headers: {
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
  }

  /** Creates a subscription and waits until every replica routes with it. */
  async subscribe(body: Record<string, unknown>): Promise<SubscriptionView> {
    const answer = await this.request<SubscriptionView>('POST', '/v1/subscriptions', body);
    if (answer.status !== 201)
      throw new Error(`subscription refused: ${answer.status} ${JSON.stringify(answer.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 3 * this.config.subscriptionsRefreshMs));
    return answer.body;
  }

  async close(): Promise<void> {
    await Promise.all(this.readers.map((reader) => reader.disconnect()));
    await Promise.all(this.replicas.map((replica) => replica.close()));
    await this.producer.disconnect();
    await this.run.cleanup();
  }

  private key(profileId: string): Buffer {
    return this.codec.encode('ProfileKey', { profileId });
  }
}

/** A profile snapshot as enrichment publishes it, with what a test cares about. */
export function snapshot(
  profileId: string,
  version: number,
  options: {
    traits?: Record<string, unknown>;
    consent?: Record<string, boolean>;
    changed?: string[];
    audiences?: string[];
    mergedFrom?: string[];
  } = {},
): ProfileSnapshot {
  const at = Date.UTC(2026, 10, 1) + version * 1000;
  return {
    profileId,
    version,
    identifiers: [{ type: 'user_id', value: `u-${profileId}` }],
    traits: Object.fromEntries(
      Object.entries(options.traits ?? {}).map(([name, value]) => [
        name,
        { value, at: new Date(at).toISOString(), source: 'test', messageId: `m-${version}` },
      ]),
    ) as ProfileSnapshot['traits'],
    computed: {
      eventCount: version,
      firstSeen: at - version * 1000,
      lastSeen: at,
      callCounts: { track: version },
      eventCounts: {},
      orderCount: 0,
      revenueTotal: 0,
      averageOrderValue: null,
      lastOrderAt: null,
    },
    customTraits: {},
    consent: options.consent
      ? { categoryPreferences: options.consent, at, messageId: `m-${version}` }
      : null,
    device: null,
    audiences: options.audiences ?? [],
    mergedFrom: options.mergedFrom ?? [],
    changed: options.changed ?? ['computed.eventCount'],
    updatedAt: at,
  };
}

export function membership(
  profileId: string,
  audienceId: string,
  change: 'entered' | 'exited',
  profileVersion: number,
  consent: Record<string, boolean> | null = null,
): AudienceMembership {
  return {
    audienceId,
    profileId,
    change,
    reason: 'condition',
    profileVersion,
    consent,
    at: Date.UTC(2026, 10, 1) + profileVersion * 1000,
  };
}
