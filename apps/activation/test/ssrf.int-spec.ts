import { eventually, WebhookReceiver } from '@tessera/testing';
import { ActivationHarness, snapshot, type FailedView } from './activation-harness';

const failedOf = async (harness: ActivationHarness, id: string) =>
  (await harness.request<{ failed: FailedView[] }>('GET', `/v1/subscriptions/${id}/failed`)).body
    .failed;

describe('webhooks without an allowlist', () => {
  let harness: ActivationHarness;
  let listener: WebhookReceiver;

  beforeAll(async () => {
    harness = await ActivationHarness.start('activation-ssrf', { WEBHOOK_ALLOWLIST: '' });
    listener = await WebhookReceiver.start('127.0.0.1');
  });

  afterAll(async () => {
    await harness?.close();
    await listener?.close();
  });

  it.each([
    ['a private address', 'http://10.0.0.5/hooks', /10\.0\.0\.5/],
    ['the cloud metadata address', 'http://169.254.169.254/latest/meta-data/', /link-local/],
    ['a unique-local IPv6 address', 'http://[fd00::1]/hooks', /fd00::1/],
    ['loopback', 'http://127.0.0.1:9/hooks', /127\.0\.0\.1/],
  ])('refuses a subscription to %s', async (_name, url, reason) => {
    const answer = await harness.request('POST', '/v1/subscriptions', {
      target: { type: 'webhook', url },
      filter: { profileUpdates: true },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.message).toMatch(/target\.url is not allowed/);
    expect(answer.body.message).toMatch(reason);
  });

  it('never reaches a listener behind a name that resolves to loopback, and parks the message as refused', async () => {
    await harness.subscribe({
      id: 'by-name',
      target: { type: 'webhook', url: `http://localhost:${listener.port}/hooks` },
      filter: { profileUpdates: true },
    });
    await harness.publishSnapshots([snapshot('s_1', 1)]);
    await eventually(
      async () => (await failedOf(harness, 'by-name')).length === 1,
      30_000,
      'the message refused',
    );
    const [failed] = await failedOf(harness, 'by-name');
    expect(failed.attempts).toBe(1);
    expect(failed.lastError).toMatch(/^refused: .*127\.0\.0\.1/);
    expect(listener.requests).toHaveLength(0);
  });
});

describe('webhooks that redirect', () => {
  let harness: ActivationHarness;
  let allowed: WebhookReceiver;
  let internal: WebhookReceiver;

  beforeAll(async () => {
    harness = await ActivationHarness.start('activation-redirect', {
      WEBHOOK_ALLOWLIST: '127.0.0.1/32',
      WEBHOOK_MAX_REDIRECTS: '3',
    });
    allowed = await WebhookReceiver.start('127.0.0.1');
    internal = await WebhookReceiver.start('127.0.0.2');
  });

  afterAll(async () => {
    await harness?.close();
    await allowed?.close();
    await internal?.close();
  });

  it('refuses a redirect to a private address, which never sees a request', async () => {
    allowed.answerWith(() => ({ status: 307, headers: { location: internal.url } }));
    await harness.subscribe({
      id: 'redirected',
      target: { type: 'webhook', url: allowed.url },
      filter: { profileUpdates: true },
    });
    await harness.publishSnapshots([snapshot('s_2', 1)]);
    await eventually(
      async () => (await failedOf(harness, 'redirected')).length === 1,
      30_000,
      'the message refused',
    );
    const [failed] = await failedOf(harness, 'redirected');
    expect(failed.lastError).toMatch(/refused: .*redirect.*127\.0\.0\.2/);
    expect(allowed.requests).toHaveLength(1);
    expect(internal.requests).toHaveLength(0);
  });
});

describe('webhooks that redirect, with redirects not followed (the default)', () => {
  let harness: ActivationHarness;
  let allowed: WebhookReceiver;

  beforeAll(async () => {
    harness = await ActivationHarness.start('activation-no-redirect');
    allowed = await WebhookReceiver.start('127.0.0.1');
  });

  afterAll(async () => {
    await harness?.close();
    await allowed?.close();
  });

  it('counts a 3xx as a failed attempt and retries it', async () => {
    allowed.answerWith(() => ({ status: 302, headers: { location: 'http://127.0.0.2/x' } }));
    await harness.subscribe({
      id: 'not-followed',
      target: { type: 'webhook', url: allowed.url },
      filter: { profileUpdates: true },
    });
    await harness.publishSnapshots([snapshot('s_3', 1)]);
    await eventually(
      async () => (await failedOf(harness, 'not-followed')).length === 1,
      30_000,
      'given up',
    );
    const [failed] = await failedOf(harness, 'not-followed');
    expect(failed.attempts).toBe(4);
    expect(failed.lastError).toMatch(/HTTP 302 \(redirects are not followed\)/);
    expect(allowed.requests).toHaveLength(4);
  });
});
