import { TOPICS } from '@tessera/contracts';
import { eventually, PrometheusScrape, WebhookReceiver } from '@tessera/testing';
import { ActivationHarness, snapshot } from './activation-harness';

/** TEST_ENV's schedule: four attempts, the last one after 1.4 s. */
const ATTEMPTS = 4;

describe("activation's /metrics after real deliveries", () => {
  let harness: ActivationHarness;
  const receivers: Record<'healthy' | 'failing' | 'slow', WebhookReceiver> = {} as never;

  beforeAll(async () => {
    harness = await ActivationHarness.start('activation-metrics');
    receivers.healthy = await WebhookReceiver.start();
    receivers.failing = await WebhookReceiver.start();
    receivers.failing.answerWith(() => ({ status: 503 }));
    receivers.slow = await WebhookReceiver.start();
    // The first attempt outlasts WEBHOOK_TIMEOUT_MS (2 s); the next one is answered.
    receivers.slow.answerWith((_request, n) =>
      n === 0 ? { status: 204, hang: true } : { status: 204 },
    );
    for (const [id, receiver] of Object.entries(receivers))
      await harness.subscribe({
        id,
        target: { type: 'webhook', url: receiver.url },
        filter: { profileUpdates: true },
      });
    await harness.publishSnapshots([snapshot('p_metrics', 1, { traits: { plan: 'pro' } })]);
  });

  afterAll(async () => {
    await harness?.close();
    await Promise.all(Object.values(receivers).map((receiver) => receiver.close()));
  });

  const scrape = () => PrometheusScrape.of(harness.replicas[0].url);
  const attempts = (scraped: PrometheusScrape, subscription: string, outcome: string) =>
    scraped.sum('tessera_activation_delivery_attempts_total', { subscription, outcome });

  it('counts the attempts to a failing webhook per subscription, and its dead letter', async () => {
    await eventually(
      async () => (await scrape()).sum('tessera_activation_dead_letters_total') > 0,
      30_000,
      'the failing subscription gave up',
    );
    const after = await scrape();
    expect(receivers.failing.requests).toHaveLength(ATTEMPTS);
    expect(attempts(after, 'failing', 'failed-retryable')).toBe(ATTEMPTS - 1);
    expect(attempts(after, 'failing', 'failed-permanent')).toBe(1);
    expect(attempts(after, 'failing', 'delivered')).toBe(0);
    expect(after.sum('tessera_activation_dead_letters_total', { subscription: 'failing' })).toBe(1);
    expect(
      after.sum('tessera_activation_delivery_duration_seconds_count', { subscription: 'failing' }),
    ).toBe(ATTEMPTS);
  });

  it('counts a delivered attempt, and an attempt that timed out before one that was delivered', async () => {
    await eventually(
      async () => attempts(await scrape(), 'slow', 'delivered') === 1,
      30_000,
      'the slow subscription delivered',
    );
    const after = await scrape();
    expect(attempts(after, 'healthy', 'delivered')).toBe(1);
    expect(attempts(after, 'slow', 'timeout')).toBe(1);
    expect(after.sum('tessera_activation_dead_letters_total', { subscription: 'healthy' })).toBe(0);
    expect(
      after.sum('tessera_activation_messages_routed_total', {
        subscription: 'healthy',
        target: 'webhook',
      }),
    ).toBe(1);
  });

  it("reports every subscription's status, and a disabled one once its endpoint answers 410", async () => {
    receivers.healthy.answerWith(() => ({ status: 410 }));
    await harness.publishSnapshots([snapshot('p_metrics', 2, { traits: { plan: 'max' } })]);
    await eventually(
      async () =>
        (await scrape()).sum('tessera_activation_subscription_status', {
          subscription: 'healthy',
          status: 'disabled',
        }) === 1,
      30_000,
      'healthy disabled',
    );
    const after = await scrape();
    expect(
      after.find('tessera_activation_subscription_status', { subscription: 'healthy' }),
    ).toEqual([
      expect.objectContaining({
        labels: { subscription: 'healthy', status: 'disabled', target: 'webhook' },
      }),
    ]);
    expect(attempts(after, 'healthy', 'failed-permanent')).toBe(1);
    expect(after.sum('tessera_activation_dead_letters_total', { subscription: 'healthy' })).toBe(1);
  });

  it('counts poison records on the profiles topic as dead letters by reason, with the lag per partition', async () => {
    const key = harness.codec.encode('ProfileKey', { profileId: 'p_poison' });
    await harness.publishRaw(TOPICS.profiles, key, Buffer.from('not avro'));
    await harness.publishRaw(TOPICS.profiles, key, null);
    const topic = harness.run.topics.resolve(TOPICS.profiles);
    const dead = async (reason: string) =>
      (await scrape()).sum('tessera_kafka_dead_letters_total', { topic, reason });
    await eventually(async () => (await dead('decode-error')) === 1, 30_000, 'decode-error');
    await eventually(
      async () => (await dead('tombstone-without-reason')) === 1,
      30_000,
      'tombstone-without-reason',
    );
    const after = await scrape();
    const lag = after.find('tessera_kafka_consumer_lag', { topic });
    expect(lag.length).toBeGreaterThan(0);
    for (const sample of lag) expect(sample.labels.partition).toMatch(/^\d+$/);
    expect(after.sum('tessera_kafka_consumer_records_total', { topic })).toBeGreaterThanOrEqual(4);
  });

  it("times the store's commands against activation's own database, and the API by route", async () => {
    const after = await scrape();
    const database = harness.config.mongo.database;
    expect(
      after.sum('tessera_store_command_duration_seconds_count', { database, outcome: 'ok' }),
    ).toBeGreaterThan(0);
    expect(
      after.sum('tessera_http_request_duration_seconds_count', {
        method: 'POST',
        route: '/v1/subscriptions',
        status_code: '201',
      }),
    ).toBe(3);
    expect(after.find('tessera_activation_process_cpu_user_seconds_total')).toHaveLength(1);
  });
});
