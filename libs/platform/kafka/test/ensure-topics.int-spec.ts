import { TestRun } from '@tessera/testing';
import { Kafka, logLevel } from 'kafkajs';
import { ensureTopics } from '../src';

/**
 * Several services start at once and each ensures the same topics. Whoever loses the creation
 * race gets TOPIC_ALREADY_EXISTS while the broker may not serve the topic yet; ensureTopics must
 * still return only once the topics can be subscribed to, or the service's consumer fails to start.
 */
describe('ensureTopics with several processes creating the same topics at once', () => {
  const run = TestRun.create('ensure-topics');
  const clients = Array.from(
    { length: 10 },
    (_, index) =>
      new Kafka({
        brokers: run.kafkaBrokers,
        clientId: `ensure-${run.id}-${index}`,
        logLevel: logLevel.NOTHING,
        retry: { retries: 0 },
      }),
  );

  afterAll(() => run.cleanup());

  it('returns in every process only when each topic can be subscribed to at once', async () => {
    for (let round = 0; round < 15; round++) {
      const specs = Array.from({ length: 20 }, (_, index) => ({
        topic: `tessera.ensure.r${round}t${index}.${run.id}`,
        numPartitions: 3,
      }));
      const failures = await Promise.all(
        clients.map(async (kafka, index) => {
          await new Promise((resolve) => setTimeout(resolve, index));
          await ensureTopics(kafka, specs);
          // A consumer subscribing straight away, without retries, as a service does on start.
          const consumer = kafka.consumer({ groupId: `ensure-${run.id}-${round}` });
          await consumer.connect();
          try {
            await consumer.subscribe({ topics: specs.map((spec) => spec.topic) });
            return null;
          } catch (error) {
            return String(error);
          } finally {
            await consumer.disconnect();
          }
        }),
      );
      expect(failures.filter((failure) => failure !== null)).toEqual([]);
    }
    const admin = clients[0].admin();
    await admin.connect();
    const metadata = await admin.fetchTopicMetadata({
      topics: [`tessera.ensure.r0t0.${run.id}`],
    });
    await admin.disconnect();
    expect(metadata.topics[0].partitions).toHaveLength(3);
  }, 120_000);

  it('leaves an existing topic exactly as it is', async () => {
    const topic = `tessera.ensure.existing.${run.id}`;
    await ensureTopics(clients[1], [{ topic, numPartitions: 2 }]);
    await ensureTopics(clients[1], [{ topic, numPartitions: 7 }]);
    const admin = clients[1].admin();
    await admin.connect();
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    await admin.disconnect();
    expect(metadata.topics[0].partitions).toHaveLength(2);
  });
});
