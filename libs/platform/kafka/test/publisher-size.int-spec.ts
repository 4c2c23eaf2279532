import { TestRun } from '@tessera/testing';
import { KafkaPublisher } from '../src';

/**
 * A consumer batch can hold a megabyte of one partition's records; what a service publishes for it
 * is larger still. The broker refuses a record batch over message.max.bytes (1 MiB by default),
 * so the publisher must split what it sends.
 */
describe('KafkaPublisher with more than the broker takes in one record batch', () => {
  const run = TestRun.create('publisher-size');
  const publisher = new KafkaPublisher(run.kafka);

  beforeAll(async () => {
    await run.createTopics(['tessera.publisher.size.v1'], 1);
    await publisher.connect();
  });

  afterAll(async () => {
    await publisher.disconnect();
    await run.cleanup();
  });

  it('delivers 3 MiB for one partition in order', async () => {
    const topic = run.topics.resolve('tessera.publisher.size.v1');
    const records = Array.from({ length: 3_072 }, (_, n) => ({
      key: 'one-key',
      value: Buffer.alloc(1_024, n % 256),
      headers: { n: String(n) },
    }));
    await publisher.publish({ [topic]: records });
    const admin = run.kafka.admin();
    await admin.connect();
    const [offsets] = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    expect(Number(offsets.high)).toBe(3_072);
    const consumer = run.kafka.consumer({ groupId: `size-${run.id}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen: number[] = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          seen.push(Number(message.headers?.n?.toString()));
          if (seen.length === records.length) resolve();
        },
      });
    });
    await consumer.disconnect();
    expect(seen).toEqual(records.map((_, n) => n));
  });
});
