import { TOPICS } from '@tessera/contracts';
import { eventually } from '@tessera/testing';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { BrokerLink } from './broker-link';
import { IngestionHarness } from './ingestion-harness';

describe('publishing accepted events to Kafka', () => {
  /** A service whose every Kafka connection goes through its own link to the shared broker. */
  async function start(name: string, publishTimeoutMs: string) {
    const link = await BrokerLink.open(process.env.KAFKA_BROKERS!.split(',')[0]);
    const harness = await IngestionHarness.start(name, {
      KAFKA_BROKERS: link.address,
      INGEST_PUBLISH_TIMEOUT_MS: publishTimeoutMs,
    });
    return { harness, link, source: await harness.createSource() };
  }

  /**
   * Ends the outage and waits until the service is ready again: its raw-events consumer, which the
   * outage crashed, has rejoined. Closed while that consumer is still restarting, the service
   * leaves it running, and it keeps this test process alive.
   */
  async function recover({ harness, link }: { harness: IngestionHarness; link: BrokerLink }) {
    link.up();
    await eventually(
      async () => (await fetch(`${harness.url}/health/ready`)).status === 200,
      60_000,
      'service ready again',
    );
  }

  const batchOf = (userId: string, ids: string[]) => ({
    batch: ids.map((messageId) => ({ type: 'track', userId, event: 'Paid', messageId })),
  });

  /** Waits for a marker of the same user (same partition), so any copy of earlier events is read. */
  async function drain(harness: IngestionHarness, writeKey: string, userId: string) {
    const marker = randomUUID();
    const response = await harness.post('/v1/track', writeKey, {
      userId,
      event: 'Marker',
      messageId: marker,
    });
    expect(response.status).toBe(200);
    await eventually(() => harness.accepted.some((e) => e.messageId === marker));
  }

  const copiesOf = (harness: IngestionHarness, ids: string[]) =>
    ids.map((id) => harness.accepted.filter((e) => e.messageId === id).length);

  describe('when the producer gives up within the request timeout', () => {
    let setup: Awaited<ReturnType<typeof start>>;

    beforeAll(async () => {
      // Longer than the producer's own retry budget, so a 503 means the producer gave up.
      setup = await start('kafka-outage', '60000');
    }, 60_000);

    afterEach(() => recover(setup), 90_000);

    afterAll(async () => {
      await setup.harness.close();
      await setup.link.close();
    });

    it('answers 200 only once the event is on the accepted topic', async () => {
      const { harness, source } = setup;
      const topic = harness.run.topics.resolve(TOPICS.acceptedEvents);
      const admin = harness.run.kafka.admin();
      await admin.connect();
      try {
        const logEnd = async () =>
          (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);
        const before = await logEnd();
        const response = await harness.post('/v1/track', source.writeKey, {
          userId: 'u-ack',
          event: 'Paid',
          messageId: randomUUID(),
        });
        expect(response.status).toBe(200);
        expect(await logEnd()).toBeGreaterThan(before);
      } finally {
        await admin.disconnect();
      }
    });

    it('answers 503 with a JSON body and Retry-After while Kafka is unreachable', async () => {
      const { harness, link, source } = setup;
      link.down();
      const response = await harness.post('/v1/track', source.writeKey, {
        userId: 'u-outage',
        event: 'Paid',
        messageId: randomUUID(),
      });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toMatch(/^[1-9][0-9]*$/);
      expect(response.body).toMatchObject({ success: false, error: 'unavailable' });
    });

    it('accepts a retry of the same messageIds once Kafka is back and forwards each once', async () => {
      const { harness, link, source } = setup;
      const userId = `u-${randomUUID()}`;
      const ids = [randomUUID(), randomUUID()];
      link.down();
      const refused = await harness.post('/v1/batch', source.writeKey, batchOf(userId, ids));
      expect(refused.status).toBe(503);
      link.up();
      const retried = await harness.post('/v1/batch', source.writeKey, batchOf(userId, ids));
      expect(retried).toMatchObject({
        status: 200,
        body: { success: true, accepted: 2, duplicates: 0 },
      });
      await drain(harness, source.writeKey, userId);
      expect(copiesOf(harness, ids)).toEqual([1, 1]);
    });
  });

  describe('when the request times out before the producer gives up', () => {
    let setup: Awaited<ReturnType<typeof start>>;

    beforeAll(async () => {
      // Any timeout under the producer's retry budget, the default 10 s included, leaves a send
      // in flight after the 503; 1 s makes that window certain instead of likely.
      setup = await start('kafka-outage-timeout', '1000');
    }, 60_000);

    afterAll(async () => {
      await recover(setup);
      await setup.harness.close();
      await setup.link.close();
    }, 90_000);

    it('forwards each event of a request answered 503 once, after Kafka is back and the client retried', async () => {
      const { harness, link, source } = setup;
      const userId = `u-${randomUUID()}`;
      const ids = [randomUUID(), randomUUID()];
      link.down();
      const refused = await harness.post('/v1/batch', source.writeKey, batchOf(userId, ids));
      expect(refused.status).toBe(503);
      link.up();
      // A well-behaved client waits as long as it is told before it retries.
      await sleep(Number(refused.headers.get('retry-after')) * 1000);
      const retried = await harness.post('/v1/batch', source.writeKey, batchOf(userId, ids));
      expect(retried.status).toBe(200);
      await drain(harness, source.writeKey, userId);
      expect(copiesOf(harness, ids)).toEqual([1, 1]);
    });
  });
});
