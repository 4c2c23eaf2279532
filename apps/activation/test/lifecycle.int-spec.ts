import { TOPICS, type DeadLetter } from '@tessera/contracts';
import {
  eventually,
  freePort,
  startService,
  TestRun,
  waitForReady,
  WebhookReceiver,
  type StartedService,
} from '@tessera/testing';
import { DeliveryRetention } from '../src/delivery/delivery-retention';
import { ActivationHarness, snapshot, TEST_ENV } from './activation-harness';

describe('two activation replicas', () => {
  let harness: ActivationHarness;
  let receiver: WebhookReceiver;
  const deadLetters: DeadLetter[] = [];

  beforeAll(async () => {
    harness = await ActivationHarness.start('activation-replicas', {}, 2);
    receiver = await WebhookReceiver.start();
    await harness.subscribe({
      id: 'everything',
      target: { type: 'webhook', url: receiver.url },
      filter: { profileUpdates: true, merges: true, deletions: true },
    });
    await harness.follow(harness.run.topics.deadLetter(TOPICS.profiles), (message) => {
      if (message.value) deadLetters.push(harness.codec.decodeAs('DeadLetter', message.value));
    });
  });

  afterAll(async () => {
    await harness?.close();
    await receiver?.close();
  });

  it('deliver every change once per webhook-id, each profile in its order', async () => {
    const profiles = Array.from({ length: 8 }, (_, n) => `r_${n}`);
    // Some endpoint trouble on the way, so retries interleave with fresh messages.
    receiver.answerWith((_request, n) => ({ status: n % 7 === 3 ? 500 : 200 }));
    for (let version = 1; version <= 8; version++)
      await harness.publishSnapshots(profiles.map((id) => snapshot(id, version)));
    const delivered = () =>
      new Set(
        receiver.requests
          .filter((r) => r.payload.type === 'profile.updated')
          .map((r) => `${r.payload.data.profileId}:${r.payload.data.version}`),
      );
    await eventually(() => delivered().size === 64, 60_000, 'all 64 changes delivered');
    const idOf = new Map<string, string>();
    for (const request of receiver.requests) {
      const change = `${request.payload.data.profileId}:${request.payload.data.version}`;
      const id = String(request.headers['webhook-id']);
      expect(idOf.get(change) ?? id).toBe(id);
      idOf.set(change, id);
    }
    for (const profileId of profiles) {
      const firsts: number[] = [];
      for (const request of receiver.requests)
        if (
          request.payload.data.profileId === profileId &&
          !firsts.includes(request.payload.data.version ?? 0)
        )
          firsts.push(request.payload.data.version ?? 0);
      expect(firsts).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    }
  });

  it('tell a subscriber which profile a merged one went into, and that a profile was deleted', async () => {
    receiver.answerWith(() => ({ status: 200 }));
    await harness.publishTombstone('r_1', 'r_0');
    await harness.publishTombstone('r_2', null);
    await eventually(
      () =>
        receiver.ofType('profile.merged').length > 0 &&
        receiver.ofType('profile.deleted').length > 0,
      30_000,
      'the merge and the deletion',
    );
    expect(receiver.ofType('profile.merged')[0].payload.data).toEqual({
      profileId: 'r_1',
      mergedInto: 'r_0',
    });
    expect(receiver.ofType('profile.deleted')[0].payload.data).toEqual({ profileId: 'r_2' });
  });

  it("keep a paused subscription's messages and deliver them once it is resumed", async () => {
    receiver.answerWith(() => ({ status: 200 }));
    const paused = await harness.request<{ status: string; statusReason: string }>(
      'PATCH',
      '/v1/subscriptions/everything',
      { status: 'paused' },
    );
    expect(paused.body).toMatchObject({ status: 'paused', statusReason: 'paused through the API' });
    await new Promise((resolve) => setTimeout(resolve, 600));
    const held = ['r_p1', 'r_p2', 'r_p3', 'r_p4', 'r_p5', 'r_p6'];
    await harness.publishSnapshots(held.map((id) => snapshot(id, 1)));
    const deliveredOf = () =>
      receiver.requests.filter((r) => held.includes(r.payload.data.profileId)).length;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(deliveredOf()).toBe(0);
    await harness.request('PATCH', '/v1/subscriptions/everything', { status: 'active' });
    await eventually(() => deliveredOf() === held.length, 30_000, 'all held messages delivered');
  });

  it('remove delivered messages and the delivery log past retention, keeping failed ones', async () => {
    const log = () =>
      harness.request<{ deliveries: unknown[] }>('GET', '/v1/subscriptions/everything/deliveries');
    expect((await log()).body.deliveries.length).toBeGreaterThan(0);
    const retention = harness.replicas[0].app.get(DeliveryRetention);
    const removed = await retention.sweep(Date.now() + 8 * 86_400_000);
    expect(removed.messages).toBeGreaterThan(0);
    expect((await log()).body.deliveries).toEqual([]);
    const client = await harness.run.mongoClient();
    const left = await client
      .db(harness.config.mongo.database)
      .collection('messages')
      .countDocuments({ status: 'delivered' });
    expect(left).toBe(0);
  });

  it('park an undecodable record on the dead-letter topic and deliver the records after it', async () => {
    await harness.publishRaw(
      TOPICS.profiles,
      harness.codec.encode('ProfileKey', { profileId: 'r_3' }),
      Buffer.from('not avro'),
    );
    await harness.publishSnapshots([snapshot('r_3', 9)]);
    await harness.publishRaw(
      TOPICS.profiles,
      harness.codec.encode('ProfileKey', { profileId: 'r_4' }),
      null,
    );
    await eventually(() => deadLetters.length === 2, 30_000, 'the poison records parked');
    expect(deadLetters.map((letter) => letter.reason).sort()).toEqual([
      'decode-error',
      'tombstone-without-reason',
    ]);
    await eventually(
      () =>
        receiver.requests.some(
          (r) => r.payload.data.profileId === 'r_3' && r.payload.data.version === 9,
        ),
      30_000,
      'the next record delivered',
    );
  });
});

describe('an activation process killed while a retry is pending', () => {
  const run = TestRun.create('activation-kill');
  const env: Record<string, string> = {
    ...run.serviceEnv('activation'),
    ...TEST_ENV,
    WEBHOOK_RETRY_SCHEDULE: '0,4s,4s',
    // The killed member leaves the group soon, so the restarted one joins (and is ready) quickly.
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    LOG_LEVEL: 'warn',
  };
  let receiver: WebhookReceiver;
  let service: StartedService | undefined;
  let harness: ActivationHarness;

  const start = async () => {
    service = startService('activation', { ...env, PORT: String(await freePort()) });
    await waitForReady(service);
    return service;
  };

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    // Publishes on the child's topics; its own replica list stays empty.
    harness = await ActivationHarness.attach(run, env);
  });

  afterAll(async () => {
    service?.process.kill('SIGKILL');
    await receiver?.close();
    await harness?.close();
  });

  it('delivers the message after a restart, with the same webhook-id', async () => {
    const first = await start();
    const created = await fetch(`${first.url}/v1/subscriptions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        id: 'resumed',
        target: { type: 'webhook', url: receiver.url },
        filter: { profileUpdates: true },
      }),
    });
    expect(created.status).toBe(201);
    receiver.answerWith(() => ({ status: 503 }));
    await harness.publishSnapshots([snapshot('k_1', 1)]);
    await eventually(() => receiver.requests.length === 1, 60_000, 'the first attempt');
    first.process.kill('SIGKILL');
    receiver.answerWith(() => ({ status: 200 }));
    await start();
    await eventually(() => receiver.requests.length === 2, 60_000, 'the retry after the restart');
    const [failed, retried] = receiver.requests;
    expect(retried.headers['webhook-id']).toBe(failed.headers['webhook-id']);
    expect(retried.payload).toEqual(failed.payload);
    expect(retried.at - failed.at).toBeGreaterThanOrEqual(3_900);
  }, 180_000);
});
