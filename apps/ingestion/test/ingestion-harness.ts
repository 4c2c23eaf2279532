import { TOPICS, AvroCodec, type Event, type RejectedEvent } from '@tessera/contracts';
import { KafkaBatchServer } from '@tessera/platform-kafka';
import { bootstrapService, type RunningService } from '@tessera/platform-service';
import { TestRun } from '@tessera/testing';
import type { Consumer } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { AppModule } from '../src/app.module';
import { loadIngestionConfig, type IngestionConfig } from '../src/config/ingestion.config';
import { configureHttp } from '../src/http/configure-http';
import { HttpErrorsFilter } from '../src/http/http-errors.filter';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

/** One ingestion service in this process, on its run's own topics and database. */
export class IngestionHarness {
  readonly codec = new AvroCodec();
  readonly accepted: Event[] = [];
  readonly rejected: RejectedEvent[] = [];
  private readonly readers: Consumer[] = [];
  private readonly replicas: RunningService[] = [];

  private constructor(
    readonly run: TestRun,
    readonly service: RunningService,
    readonly config: IngestionConfig,
  ) {}

  get url(): string {
    return this.service.url;
  }

  static async start(name: string, env: Record<string, string> = {}): Promise<IngestionHarness> {
    const run = TestRun.create(name);
    const config = loadIngestionConfig({
      ...run.serviceEnv('ingestion'),
      ADMIN_TOKEN,
      WRITE_KEY_PEPPER: 'test-pepper-0123456789',
      KAFKA_TOPIC_PARTITIONS: '2',
      ...env,
    });
    const service = await bootService(run, config);
    const harness = new IngestionHarness(run, service, config);
    await harness.follow(TOPICS.acceptedEvents, (value) =>
      harness.accepted.push(harness.codec.decodeAs('Event', value)),
    );
    await harness.follow(TOPICS.rejectedEvents, (value) =>
      harness.rejected.push(harness.codec.decodeAs('RejectedEvent', value)),
    );
    return harness;
  }

  /** Creates a source through the admin API and returns its id and write key. */
  async createSource(body: Record<string, unknown> = { name: `source-${randomUUID()}` }) {
    const response = await this.admin('POST', '/admin/sources', body);
    if (response.status !== 201)
      throw new Error(`source not created: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body as { id: string; writeKey: string };
  }

  async admin(method: string, path: string, body?: unknown) {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  }

  /** POSTs to the collection API with Segment's Basic auth (to `baseUrl`, default this replica). */
  async post(
    path: string,
    writeKey: string | null,
    body: unknown,
    contentType = 'application/json',
    baseUrl = this.url,
  ) {
    const response = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: {
        'content-type': contentType,
        ...(writeKey === null
          ? {}
          : { authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` }),
      },
      body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: JSON.parse(text) as Record<string, unknown>,
    };
  }

  acceptedFrom(sourceId: string): Event[] {
    return this.accepted.filter((event) => event.sourceId === sourceId);
  }

  /**
   * Another replica of the service: same configuration, topics, database and consumer group.
   * Closed with the harness.
   */
  async startReplica(): Promise<RunningService> {
    const replica = await bootService(this.run, this.config);
    this.replicas.push(replica);
    return replica;
  }

  async close(): Promise<void> {
    await Promise.all(this.readers.map((reader) => reader.disconnect()));
    await Promise.all(this.replicas.map((replica) => replica.close()));
    await this.service.close();
    await this.run.cleanup();
  }

  private async follow(topic: string, onValue: (value: Buffer) => void): Promise<void> {
    const reader = this.run.kafka.consumer({ groupId: `reader-${randomUUID()}` });
    this.readers.push(reader);
    await reader.connect();
    await reader.subscribe({ topic: this.run.topics.resolve(topic), fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        if (message.value) onValue(message.value);
      },
    });
  }
}

function bootService(run: TestRun, config: IngestionConfig): Promise<RunningService> {
  return bootstrapService({
    module: AppModule.register(config, run.logger),
    config,
    logger: run.logger,
    port: 0,
    transport: KafkaBatchServer,
    configureHttp: (fastify) => configureHttp(fastify, config.limits.maxRequestBytes),
    httpFilters: [new HttpErrorsFilter()],
  });
}
