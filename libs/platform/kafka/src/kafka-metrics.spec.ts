import { TopicNames } from '@tessera/contracts';
import { ServiceMetrics } from '@tessera/platform-metrics';
import { PrometheusScrape } from '@tessera/testing';
import type { EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import pino from 'pino';
import type { DeadLetterPublisher } from './dead-letter-publisher';
import { KafkaBatchConsumer } from './kafka-batch-consumer';
import { KafkaMetrics } from './kafka-metrics';
import { MeteredKafkaPublisher } from './metered-kafka-publisher';
import { TransientError } from './transient-error';

const TOPIC = 'tessera.events.accepted.v1';

/** A kafkajs consumer driven by hand: batches with a high watermark, and group events. */
function fakeKafka() {
  const listeners = new Map<string, () => void>();
  let eachBatch: ((payload: EachBatchPayload) => Promise<void>) | undefined;
  const consumer = {
    events: { GROUP_JOIN: 'join', CRASH: 'crash', STOP: 'stop' },
    on: (name: string, listener: () => void) => listeners.set(name, listener),
    connect: async () => undefined,
    subscribe: async () => undefined,
    run: async (config: { eachBatch: typeof eachBatch }) => {
      eachBatch = config.eachBatch;
    },
    disconnect: async () => undefined,
  };
  const kafka = { consumer: () => consumer } as unknown as Kafka;
  const deliver = (partition: number, offsets: number[], highWatermark: number) =>
    eachBatch!({
      batch: {
        topic: TOPIC,
        partition,
        highWatermark: String(highWatermark),
        messages: offsets.map(
          (offset) =>
            ({
              offset: String(offset),
              key: null,
              value: Buffer.from(`m${offset}`),
              headers: {},
              timestamp: String(Date.now() - 2_000),
            }) as unknown as KafkaMessage,
        ),
      },
      resolveOffset: () => undefined,
      commitOffsetsIfNecessary: async () => undefined,
      heartbeat: async () => undefined,
      isRunning: () => true,
      isStale: () => false,
    } as unknown as EachBatchPayload);
  return { kafka, deliver, emit: (name: string) => listeners.get(name)?.() };
}

function consumerWith(handler: (values: string[]) => Promise<void>, maxBatchSize = 500) {
  const { kafka, deliver, emit } = fakeKafka();
  const metrics = new ServiceMetrics('identity');
  const consumer = new KafkaBatchConsumer({
    kafka,
    groupId: 'test',
    topics: new TopicNames(),
    subscriptions: [
      {
        topic: TOPIC,
        decode: (message) => {
          if (message.value!.toString() === 'm13') throw new Error('not Avro');
          return message.value!.toString();
        },
        handler: async (messages) => handler(messages.map((message) => message.value as string)),
      },
    ],
    deadLetters: { park: async () => undefined } as unknown as DeadLetterPublisher,
    logger: pino({ level: 'silent' }),
    maxAttempts: 2,
    retryBackoffMs: 0,
    maxBatchSize,
    maxOutageBackoffMs: 1,
    metrics: new KafkaMetrics(metrics),
  });
  const scrape = async () => PrometheusScrape.parse(await metrics.scrape());
  return { consumer, deliver, emit, scrape };
}

describe('KafkaMetrics of the batch consumer', () => {
  it('counts committed records per partition and sets the lag behind the high watermark', async () => {
    const { consumer, deliver, scrape } = consumerWith(async () => undefined, 2);
    await consumer.start();
    await deliver(1, [10, 11, 12], 20);
    await deliver(4, [0], 1);
    const after = await scrape();
    const p1 = { topic: TOPIC, partition: '1' };
    expect(after.sum('tessera_kafka_consumer_records_total', p1)).toBe(3);
    expect(after.sum('tessera_kafka_consumer_records_total', { partition: '4' })).toBe(1);
    expect(after.sum('tessera_kafka_consumer_lag', p1)).toBe(7);
    expect(after.sum('tessera_kafka_consumer_lag', { partition: '4' })).toBe(0);
    // Two slices of partition 1 and one of partition 4.
    expect(after.sum('tessera_kafka_consumer_batch_duration_seconds_count', { topic: TOPIC })).toBe(
      3,
    );
    // Every record was produced two seconds before it was committed.
    const age = { topic: TOPIC };
    expect(after.sum('tessera_kafka_consumer_record_age_seconds_count', age)).toBe(4);
    expect(after.sum('tessera_kafka_consumer_record_age_seconds_bucket', { ...age, le: '1' })).toBe(
      0,
    );
    expect(
      after.sum('tessera_kafka_consumer_record_age_seconds_bucket', { ...age, le: '2.5' }),
    ).toBe(4);
  });

  it('counts dead letters by topic and reason, and the retries before them', async () => {
    const { consumer, deliver, scrape } = consumerWith(async (values) => {
      if (values.includes('m11')) throw new Error('poison');
    });
    await consumer.start();
    await deliver(0, [10, 11, 12, 13], 14);
    const after = await scrape();
    const dead = (reason: string) =>
      after.sum('tessera_kafka_dead_letters_total', { topic: TOPIC, reason });
    expect(dead('decode-error')).toBe(1);
    expect(dead('handler-failed')).toBe(1);
    expect(
      after.sum('tessera_kafka_consumer_retries_total', { topic: TOPIC, cause: 'handler-failed' }),
    ).toBe(1);
    expect(after.sum('tessera_kafka_consumer_records_total', { topic: TOPIC })).toBe(4);
  });

  it('counts the retries of a slice while a dependency is down', async () => {
    let calls = 0;
    const { consumer, deliver, scrape } = consumerWith(async () => {
      calls += 1;
      if (calls <= 2) throw new TransientError('store unavailable');
    });
    await consumer.start();
    await deliver(0, [5, 6], 7);
    const after = await scrape();
    expect(
      after.sum('tessera_kafka_consumer_retries_total', { cause: 'dependency-unavailable' }),
    ).toBe(2);
    expect(after.sum('tessera_kafka_dead_letters_total')).toBe(0);
  });

  it('forgets the lag of every partition when the group rebalances', async () => {
    const { consumer, deliver, emit, scrape } = consumerWith(async () => undefined);
    await consumer.start();
    await deliver(2, [0], 50);
    expect((await scrape()).find('tessera_kafka_consumer_lag')).toHaveLength(1);
    emit('join');
    expect((await scrape()).find('tessera_kafka_consumer_lag')).toHaveLength(0);
  });
});

describe('MeteredKafkaPublisher', () => {
  function publisherWith(sendBatch: () => Promise<unknown>) {
    const producer = { on: () => undefined, sendBatch };
    const kafka = { producer: () => producer } as unknown as Kafka;
    const metrics = new ServiceMetrics('ingestion');
    const publisher = new MeteredKafkaPublisher(kafka, new KafkaMetrics(metrics));
    const scrape = async () => PrometheusScrape.parse(await metrics.scrape());
    return { publisher, scrape };
  }

  const record = (value: string) => ({ key: 'k', value: Buffer.from(value) });

  it('counts acknowledged records per topic and times the publish', async () => {
    const { publisher, scrape } = publisherWith(async () => []);
    await publisher.publish({ a: [record('1'), record('2')], b: [record('3')], c: [] });
    const after = await scrape();
    expect(after.sum('tessera_kafka_producer_records_total', { topic: 'a' })).toBe(2);
    expect(after.sum('tessera_kafka_producer_records_total', { topic: 'b' })).toBe(1);
    expect(after.find('tessera_kafka_producer_records_total', { topic: 'c' })).toHaveLength(0);
    expect(after.sum('tessera_kafka_producer_publish_duration_seconds_count')).toBe(1);
  });

  it('counts the records of a failed publish as failed and rethrows', async () => {
    const { publisher, scrape } = publisherWith(() => Promise.reject(new Error('broker gone')));
    await expect(publisher.publish({ a: [record('1')] })).rejects.toThrow('broker gone');
    const after = await scrape();
    expect(after.sum('tessera_kafka_producer_failed_records_total', { topic: 'a' })).toBe(1);
    expect(after.sum('tessera_kafka_producer_records_total')).toBe(0);
  });
});
