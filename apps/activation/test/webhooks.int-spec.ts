import { Webhook } from 'standardwebhooks';
import { SubscriptionRepository } from '../src/subscriptions/subscription.repository';
import {
  ActivationHarness,
  membership,
  snapshot,
  type AttemptView,
  type FailedView,
  type SubscriptionView,
} from './activation-harness';
import { eventually, WebhookReceiver, type ReceivedRequest } from '@tessera/testing';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

function verify(secret: string, request: ReceivedRequest): unknown {
  return new Webhook(secret).verify(request.body, {
    'webhook-id': String(request.headers['webhook-id']),
    'webhook-timestamp': String(request.headers['webhook-timestamp']),
    'webhook-signature': String(request.headers['webhook-signature']),
  });
}

describe('webhook subscriptions', () => {
  let harness: ActivationHarness;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    harness = await ActivationHarness.start('activation-webhooks');
    receiver = await WebhookReceiver.start();
  });

  afterAll(async () => {
    await harness?.close();
    await receiver?.close();
  });

  it('delivers a profile update signed so that the standardwebhooks package verifies it', async () => {
    const subscription = await harness.subscribe({
      id: 'signed',
      target: { type: 'webhook', url: receiver.url },
      filter: { profileUpdates: true },
      secret: SECRET,
    });
    expect(subscription.secrets[0].secret).toBe(SECRET);
    // Only the create and rotate answers, and /secrets, show the secrets themselves.
    const shown = await harness.request<SubscriptionView>('GET', '/v1/subscriptions/signed');
    expect(shown.body.secrets[0]).not.toHaveProperty('secret');
    expect(
      (
        await harness.request<{ secrets: { secret: string }[] }>(
          'GET',
          '/v1/subscriptions/signed/secrets',
        )
      ).body.secrets[0].secret,
    ).toBe(SECRET);
    await harness.publishSnapshots([snapshot('p_sig', 1, { traits: { plan: 'pro' } })]);
    await eventually(() => receiver.ofType('profile.updated').length > 0, 30_000, 'delivered');
    const [request] = receiver.ofType('profile.updated');
    expect(verify(SECRET, request)).toEqual(request.payload);
    expect(request.payload.data).toMatchObject({
      profileId: 'p_sig',
      version: 1,
      traits: { plan: { value: 'pro' } },
    });
    expect(request.headers['webhook-id']).toMatch(/^msg_/);
    expect(() =>
      new Webhook(SECRET).verify(`${request.body} `, request.headers as never),
    ).toThrow();
  });

  it('signs with the old and the new secret while a rotation overlaps', async () => {
    const rotated = await harness.request<SubscriptionView>(
      'POST',
      '/v1/subscriptions/signed/secrets/rotate',
      {
        overlapSeconds: 3600,
      },
    );
    expect(rotated.status).toBe(200);
    const [fresh, old] = rotated.body.secrets;
    expect(old.secret).toBe(SECRET);
    expect(old.expiresAt).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 600));
    await harness.publishSnapshots([snapshot('p_sig', 2)]);
    await eventually(
      () => receiver.ofType('profile.updated').some((r) => r.payload.data.version === 2),
      30_000,
      'delivered after the rotation',
    );
    const request = receiver.ofType('profile.updated').find((r) => r.payload.data.version === 2)!;
    expect(String(request.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verify(fresh.secret, request)).toEqual(request.payload);
    expect(verify(SECRET, request)).toEqual(request.payload);
    await harness.request('DELETE', '/v1/subscriptions/signed');
  });

  it('does not let a change read before a 410 disabled the subscription undo it', async () => {
    await harness.subscribe({
      id: 'raced',
      target: { type: 'webhook', url: receiver.url },
      filter: { merges: true },
    });
    const repository = harness.replicas[0].app.get(SubscriptionRepository);
    const read = (await repository.find('raced'))!;
    await repository.disable('raced', 'the endpoint answered 410 Gone', Date.now());
    expect(await repository.replace({ ...read, name: 'late' }, read.updatedAt)).toBe('changed');
    expect((await repository.find('raced'))?.status).toBe('disabled');
  });

  it('answers 400 naming the field for a bad subscription, 404 for an unknown one, 401 without the token', async () => {
    const bad = await harness.request('POST', '/v1/subscriptions', {
      target: { type: 'webhook', url: 'ftp://example.com' },
      filter: { profileUpdates: true },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/target\.url/);
    const empty = await harness.request('POST', '/v1/subscriptions', {
      target: { type: 'webhook', url: receiver.url },
      filter: {},
    });
    expect(empty.body.message).toMatch(/filter selects nothing/);
    expect((await harness.request('GET', '/v1/subscriptions/nope')).status).toBe(404);
    expect((await harness.request('GET', '/v1/subscriptions', undefined, null)).status).toBe(401);
  });
});

describe('webhook retries', () => {
  let harness: ActivationHarness;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    harness = await ActivationHarness.start('activation-retries');
    receiver = await WebhookReceiver.start();
  });

  afterAll(async () => {
    await harness?.close();
    await receiver?.close();
  });

  it("delivers every message once the endpoint recovers, in each profile's order, repeating only a webhook-id", async () => {
    let failing = true;
    receiver.answerWith(() => ({ status: failing ? 503 : 200 }));
    await harness.subscribe({
      id: 'flaky',
      target: { type: 'webhook', url: receiver.url },
      filter: { profileUpdates: true },
    });
    const profiles = ['p_a', 'p_b', 'p_c'];
    for (let version = 1; version <= 5; version++)
      await harness.publishSnapshots(profiles.map((id) => snapshot(id, version)));
    await eventually(() => receiver.requests.length >= 6, 30_000, 'failing attempts');
    failing = false;
    const delivered = () => {
      const ok = new Set<string>();
      // Requests answered 200 are those after recovery.
      for (const request of receiver.requests.filter((r) => r.at >= recoveredAt))
        ok.add(`${request.payload.data.profileId}:${request.payload.data.version}`);
      return ok;
    };
    const recoveredAt = Date.now();
    await eventually(() => delivered().size === 15, 60_000, 'all 15 delivered');

    const ids = new Map<string, string>();
    for (const request of receiver.requests) {
      const key = `${request.payload.data.profileId}:${request.payload.data.version}`;
      const id = String(request.headers['webhook-id']);
      expect(ids.get(key) ?? id).toBe(id);
      ids.set(key, id);
    }
    expect(new Set(ids.values()).size).toBe(15);
    for (const profileId of profiles) {
      const versions = receiver.requests
        .filter((r) => r.at >= recoveredAt && r.payload.data.profileId === profileId)
        .map((r) => r.payload.data.version ?? 0);
      expect(versions).toEqual([...versions].sort((a, b) => a - b));
    }
  });

  it('waits as long as Retry-After asks', async () => {
    const before = receiver.requests.length;
    receiver.answerWith((_request, n) =>
      n === before ? { status: 429, headers: { 'retry-after': '2' } } : { status: 200 },
    );
    await harness.publishSnapshots([snapshot('p_later', 1)]);
    await eventually(() => receiver.requests.length >= before + 2, 30_000, 'retried');
    const [first, second] = receiver.requests.slice(before);
    expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(second.at - first.at).toBeGreaterThanOrEqual(1_900);
  });

  it('retries a 4xx other than 410 like a 5xx, parks the message after the last attempt, lists it as failed, and replays it', async () => {
    receiver.answerWith((request) =>
      request.payload.data?.profileId === 'p_doomed' ? { status: 422 } : { status: 200 },
    );
    await harness.publishSnapshots([snapshot('p_doomed', 1)]);
    await eventually(
      async () =>
        (await harness.request<{ failed: FailedView[] }>('GET', '/v1/subscriptions/flaky/failed'))
          .body.failed.length === 1,
      30_000,
      'failed after its attempts',
    );
    const failed = (
      await harness.request<{ failed: FailedView[] }>('GET', '/v1/subscriptions/flaky/failed')
    ).body.failed[0];
    expect(failed).toMatchObject({
      profileId: 'p_doomed',
      attempts: 4,
      lastStatusCode: 422,
      type: 'profile.updated',
    });
    expect(failed.lastError).toMatch(/gave up after 4 attempts/);
    expect(receiver.requests.filter((r) => r.payload.data.profileId === 'p_doomed')).toHaveLength(
      4,
    );

    const log = await harness.request<{ deliveries: AttemptView[] }>(
      'GET',
      `/v1/subscriptions/flaky/deliveries?messageId=${failed.messageId}`,
    );
    expect(log.body.deliveries.map((entry) => entry.statusCode)).toEqual([422, 422, 422, 422]);
    expect(log.body.deliveries[0]).toMatchObject({ attempt: 4, outcome: 'failed' });
    expect(typeof log.body.deliveries[0].latencyMs).toBe('number');

    receiver.answerWith(() => ({ status: 200 }));
    const replay = await harness.request<{ replayed: number }>(
      'POST',
      '/v1/subscriptions/flaky/failed/replay',
      {},
    );
    expect(replay.body.replayed).toBe(1);
    await eventually(
      () => receiver.requests.filter((r) => r.payload.data.profileId === 'p_doomed').length === 5,
      30_000,
      'replayed',
    );
    const attempts = receiver.requests.filter((r) => r.payload.data.profileId === 'p_doomed');
    expect(new Set(attempts.map((r) => r.headers['webhook-id'])).size).toBe(1);
    await eventually(
      async () =>
        (await harness.request<{ failed: FailedView[] }>('GET', '/v1/subscriptions/flaky/failed'))
          .body.failed.length === 0,
      30_000,
      'no longer failed',
    );
  });

  it('disables the subscription when the endpoint answers 410, and delivers again once re-enabled', async () => {
    receiver.answerWith(() => ({ status: 410 }));
    await harness.publishSnapshots([snapshot('p_gone', 1)]);
    await eventually(
      async () =>
        (await harness.request<SubscriptionView>('GET', '/v1/subscriptions/flaky')).body.status ===
        'disabled',
      30_000,
      'disabled',
    );
    const disabled = (await harness.request<SubscriptionView>('GET', '/v1/subscriptions/flaky'))
      .body;
    expect(disabled.statusReason).toMatch(/410/);
    const seen = receiver.requests.length;
    await harness.publishSnapshots([snapshot('p_gone', 2)]);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(receiver.requests.length).toBe(seen);

    receiver.answerWith(() => ({ status: 200 }));
    expect(
      (
        await harness.request<SubscriptionView>('PATCH', '/v1/subscriptions/flaky', {
          status: 'active',
        })
      ).body.status,
    ).toBe('active');
    await new Promise((resolve) => setTimeout(resolve, 600));
    await harness.publishSnapshots([snapshot('p_gone', 3)]);
    await eventually(
      () =>
        receiver.requests.some(
          (r) => r.payload.data.profileId === 'p_gone' && r.payload.data.version === 3,
        ),
      30_000,
      'delivered after re-enabling',
    );
  });
});

describe('webhook concurrency and timeouts', () => {
  let harness: ActivationHarness;
  let slow: WebhookReceiver;
  let fast: WebhookReceiver;

  beforeAll(async () => {
    harness = await ActivationHarness.start('activation-slow', { WEBHOOK_TIMEOUT_MS: '1500' });
    slow = await WebhookReceiver.start();
    fast = await WebhookReceiver.start();
  });

  afterAll(async () => {
    await harness?.close();
    await slow?.close();
    await fast?.close();
  });

  it('keeps a slow endpoint to its concurrency while another subscription is delivered in full', async () => {
    slow.answerWith(() => ({ status: 200, hang: true }));
    await harness.subscribe({
      id: 'slow',
      target: { type: 'webhook', url: slow.url },
      filter: { profileUpdates: true },
      concurrency: 2,
    });
    await harness.subscribe({
      id: 'fast',
      target: { type: 'webhook', url: fast.url },
      filter: { profileUpdates: true },
    });
    const ids = Array.from({ length: 20 }, (_, n) => `p_${n}`);
    await harness.publishSnapshots(ids.map((id) => snapshot(id, 1)));
    await eventually(() => fast.requests.length === 20, 30_000, 'the fast endpoint got all 20');
    expect(slow.maxInFlight).toBeLessThanOrEqual(2);
    expect(slow.requests.length).toBeLessThan(20);
  });

  it('gives up an attempt after WEBHOOK_TIMEOUT_MS and logs it as a timeout', async () => {
    await eventually(
      async () =>
        (
          (await harness.request('GET', '/v1/subscriptions/slow/deliveries')).body
            .deliveries as unknown[]
        ).length > 0,
      30_000,
      'a timed-out attempt in the log',
    );
    const [entry] = (
      await harness.request<{ deliveries: AttemptView[] }>(
        'GET',
        '/v1/subscriptions/slow/deliveries',
      )
    ).body.deliveries;
    expect(entry.statusCode).toBeNull();
    expect(entry.error).toMatch(/tim/i);
    expect(entry.latencyMs).toBeGreaterThanOrEqual(1_400);
  });
});

describe('consent and filters', () => {
  let harness: ActivationHarness;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    harness = await ActivationHarness.start('activation-consent');
    receiver = await WebhookReceiver.start();
    await harness.subscribe({
      id: 'marketing',
      target: { type: 'webhook', url: receiver.url },
      filter: { profileUpdates: true, audiences: { ids: ['vip'] } },
      consent: ['marketing'],
    });
  });

  afterAll(async () => {
    await harness?.close();
    await receiver?.close();
  });

  const received = (profileId: string) =>
    receiver.requests
      .filter((r) => r.payload.data.profileId === profileId)
      .map((r) => `${r.payload.type}:${r.payload.data.version ?? r.payload.data.profileVersion}`);

  it('sends a profile only while its latest consent grants every required category', async () => {
    await harness.publishSnapshots([
      snapshot('p_none', 1),
      snapshot('p_yes', 1, { consent: { marketing: true, analytics: false } }),
      snapshot('p_no', 1, { consent: { marketing: false } }),
      snapshot('p_yes', 2, { consent: { marketing: false }, changed: ['consent'] }),
      snapshot('p_yes', 3, { consent: { marketing: false } }),
    ]);
    await harness.publishMemberships([
      membership('p_yes', 'vip', 'entered', 3, { marketing: false }),
    ]);
    await harness.publishSnapshots([snapshot('p_marker', 1, { consent: { marketing: true } })]);
    await eventually(() => received('p_marker').length === 1, 30_000, 'the marker delivered');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(received('p_yes')).toEqual(['profile.updated:1']);
    expect(received('p_none')).toEqual([]);
    expect(received('p_no')).toEqual([]);
  });

  it('sends audience changes by the consent the profile had at them', async () => {
    await harness.publishMemberships([
      membership('p_vip', 'vip', 'entered', 1, { marketing: true }),
      membership('p_vip', 'other', 'entered', 1, { marketing: true }),
      membership('p_vip', 'vip', 'exited', 2, { marketing: false }),
      membership('p_vip', 'vip', 'entered', 3),
    ]);
    await harness.publishSnapshots([snapshot('p_vip', 4, { consent: { marketing: true } })]);
    await eventually(
      () =>
        received('p_vip').includes('profile.updated:4') &&
        received('p_vip').includes('audience.entered:1'),
      30_000,
      'the profile and its first audience change delivered',
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(received('p_vip').filter((entry) => entry.startsWith('audience'))).toEqual([
      'audience.entered:1',
    ]);
  });
});
