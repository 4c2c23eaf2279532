import { Controller, Module } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { InjectConnection } from '@nestjs/mongoose';
import { AvroCodec, TOPICS, type Event } from '@tessera/contracts';
import { EnvReader, readPlatformConfig } from '@tessera/platform-config';
import { KafkaBatchServer, KafkaPublisher, type ConsumedMessage } from '@tessera/platform-kafka';
import { anEvent, eventually, PrometheusScrape, TestRun } from '@tessera/testing';
import type { Connection } from 'mongoose';
import { randomUUID } from 'node:crypto';
import { bootstrapService, PlatformModule, type RunningService } from '../src';

const TOPIC = TOPICS.acceptedEvents;
const POISON = `poison-${randomUUID()}`;
const BLOCKING = `blocking-${randomUUID()}`;
const handled = new Set<string>();
let release: () => void = () => undefined;

/** Stores what it reads (so the store is used), refuses POISON, and holds BLOCKING until released. */
@Controller()
class StoringConsumer {
  constructor(@InjectConnection() private readonly connection: Connection) {}

  @EventPattern(TOPIC, { schema: 'Event' })
  async handle(messages: ConsumedMessage<Event>[]): Promise<void> {
    const ids = messages.map((message) => message.value.messageId);
    if (ids.includes(POISON)) throw new Error(`refusing ${POISON}`);
    if (ids.includes(BLOCKING)) await new Promise<void>((resolve) => (release = resolve));
    await this.connection
      .collection<{ _id: string }>('seen')
      .bulkWrite(
        ids.map((id) => ({ replaceOne: { filter: { _id: id }, replacement: {}, upsert: true } })),
      );
    ids.forEach((id) => handled.add(id));
  }
}

describe("a service's /metrics after real traffic through the platform", () => {
  const run = TestRun.create('platform-metrics');
  const codec = new AvroCodec();
  const topic = run.topics.resolve(TOPIC);
  const deadLetterTopic = run.topics.deadLetter(TOPIC);
  let database: string;
  let service: RunningService;
  let publisher: KafkaPublisher;

  beforeAll(async () => {
    const env = {
      ...run.serviceEnv('metered'),
      KAFKA_TOPIC_PARTITIONS: '3',
      KAFKA_HANDLER_MAX_ATTEMPTS: '2',
      KAFKA_HANDLER_RETRY_BACKOFF_MS: '10',
    };
    const reader = new EnvReader(env);
    const config = reader.done(
      readPlatformConfig(reader, { service: 'metered', port: 0, database: 'x' }),
    );
    database = config.mongo.database;

    @Module({
      imports: [
        PlatformModule.forRoot({
          config,
          logger: run.logger,
          kafka: { consumerGroup: 'tessera-metered-test', consumes: [TOPIC] },
        }),
      ],
      controllers: [StoringConsumer],
    })
    class MeteredAppModule {}

    service = await bootstrapService({
      module: MeteredAppModule,
      config,
      logger: run.logger,
      port: 0,
      transport: KafkaBatchServer,
    });
    publisher = new KafkaPublisher(run.kafka);
    await publisher.connect();
    await eventually(
      async () => (await fetch(`${service.url}/health/ready`)).status === 200,
      60_000,
      'the consumer joined its group',
    );
  }, 90_000);

  afterAll(async () => {
    release();
    await publisher?.disconnect();
    await service?.close();
    await run.cleanup();
  });

  const scrape = () => PrometheusScrape.of(service.url);

  const publish = (records: { key: string; value: Buffer }[]) =>
    publisher.publish({ [topic]: records });

  const event = (messageId: string) => codec.encode('Event', anEvent({ messageId }));

  it('counts records in per topic and partition, and sets a lag of 0 per partition once caught up', async () => {
    const ids = Array.from({ length: 12 }, () => randomUUID());
    await publish(ids.map((id, n) => ({ key: `user-${n}`, value: event(id) })));
    await eventually(() => ids.every((id) => handled.has(id)), 60_000, 'every record handled');

    await eventually(
      async () => (await scrape()).sum('tessera_kafka_consumer_records_total', { topic }) >= 12,
      10_000,
      'records counted',
    );
    const after = await scrape();
    const partitions = after
      .find('tessera_kafka_consumer_records_total', { topic })
      .map((sample) => sample.labels.partition);
    expect(partitions.length).toBeGreaterThan(1);
    for (const partition of partitions)
      expect(after.find('tessera_kafka_consumer_lag', { topic, partition })).toEqual([
        expect.objectContaining({ value: 0 }),
      ]);
    expect(
      after.sum('tessera_kafka_consumer_batch_duration_seconds_count', { topic }),
    ).toBeGreaterThan(0);
    expect(after.sum('tessera_kafka_consumer_record_age_seconds_count', { topic })).toBe(
      after.sum('tessera_kafka_consumer_records_total', { topic }),
    );
  });

  it('shows the lag of a partition while its slice is held, and 0 once it is committed', async () => {
    const behind = Array.from({ length: 9 }, () => randomUUID());
    await publish([BLOCKING, ...behind].map((id) => ({ key: 'one-partition', value: event(id) })));
    const lagged = async () =>
      (await scrape()).find('tessera_kafka_consumer_lag', { topic }).find((s) => s.value > 0);
    await eventually(async () => (await lagged()) !== undefined, 30_000, 'a partition lags');
    const partition = (await lagged())!.labels.partition;
    expect((await lagged())!.value).toBe(10);

    release();
    await eventually(() => behind.every((id) => handled.has(id)), 30_000, 'the rest handled');
    await eventually(
      async () => (await scrape()).sum('tessera_kafka_consumer_lag', { topic, partition }) === 0,
      10_000,
      'lag back to 0',
    );
  });

  it('counts a poison record as a dead letter with reason decode-error, and a failing one as handler-failed', async () => {
    await publish([
      { key: 'bad', value: Buffer.from('definitely not avro') },
      { key: 'poison', value: event(POISON) },
    ]);
    const dead = async (reason: string) =>
      (await scrape()).sum('tessera_kafka_dead_letters_total', { topic, reason });
    await eventually(async () => (await dead('decode-error')) === 1, 60_000, 'decode-error');
    await eventually(async () => (await dead('handler-failed')) === 1, 60_000, 'handler-failed');

    const after = await scrape();
    // The dead letters went out through the service's producer, and the poison was tried twice.
    expect(after.sum('tessera_kafka_producer_records_total', { topic: deadLetterTopic })).toBe(2);
    expect(
      after.sum('tessera_kafka_consumer_retries_total', { topic, cause: 'handler-failed' }),
    ).toBe(1);
    expect(after.sum('tessera_kafka_producer_publish_duration_seconds_count')).toBeGreaterThan(0);
  });

  it("times the store's commands by name and database", async () => {
    const after = await scrape();
    expect(
      after.sum('tessera_store_command_duration_seconds_count', {
        command: 'update',
        database,
        outcome: 'ok',
      }),
    ).toBeGreaterThan(0);
  });

  it('times HTTP requests by route, reports readiness, and serves the process metrics', async () => {
    await fetch(`${service.url}/no-such-route`);
    const after = await scrape();
    expect(
      after.sum('tessera_http_request_duration_seconds_count', {
        method: 'GET',
        route: 'unmatched',
        status_code: '404',
      }),
    ).toBe(1);
    expect(
      after.find('tessera_http_request_duration_seconds_count', { route: '/metrics' }),
    ).toEqual([]);
    expect(after.sum('tessera_dependency_up', { dependency: 'kafka' })).toBe(1);
    expect(after.sum('tessera_dependency_up', { dependency: 'mongo' })).toBe(1);
    expect(after.find('tessera_metered_process_cpu_user_seconds_total')).toHaveLength(1);
  });
});
