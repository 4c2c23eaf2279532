import { Analytics } from '@segment/analytics-node';
import { AvroCodec, TOPICS, type ProfileSnapshot } from '@tessera/contracts';
import {
  eventually,
  freePort,
  startService,
  TestRun,
  waitForReady,
  WebhookReceiver,
  type StartedService,
} from '@tessera/testing';
import { randomUUID } from 'node:crypto';

jest.setTimeout(420_000);

const SERVICES = ['ingestion', 'identity', 'enrichment', 'activation'] as const;
type ServiceName = (typeof SERVICES)[number];

interface ProfileBody {
  profileId: string;
  identifiers: { type: string; value: string }[];
  computed: { eventCount: number };
}

interface PrivacyRequestView {
  id: string;
  type: string;
  identifier: Record<string, unknown>;
  status: 'pending' | 'done' | 'failed';
  result: string | null;
  services: Record<ServiceName, { status: string; detail: string | null; at: string | null }>;
  requestedAt: string;
  completedAt: string | null;
}

/**
 * Ana browses on a laptop, logs in (user id, email, phone), and buys on her phone, which later
 * identifies with her email: one profile merged from two. She is deleted and suppressed by her
 * phone number, while two services are killed and restarted mid-request. Bob, browsing at the same
 * time, is the control: what the checks look for must be findable, and his data must stay.
 */
describe('a deletion by one identifier removes the whole merged profile from every service', () => {
  const run = TestRun.create('privacy-e2e');
  const codec = new AvroCodec();
  const services = new Map<ServiceName, StartedService>();
  const token = run.serviceEnv('ingestion').ADMIN_TOKEN;
  const latest = new Map<string, ProfileSnapshot | null>();
  const reader = run.kafka.consumer({ groupId: `reader-${randomUUID()}` });
  let receiver: WebhookReceiver;
  let analytics: Analytics;

  const ana = {
    userId: `ana-${run.id}`,
    email: `ana.${run.id}@example.com`,
    phone: '+49 1512 3456789',
    phoneE164: '+4915123456789',
    laptop: `anon-laptop-${run.id}`,
    mobile: `anon-mobile-${run.id}`,
    secretTrait: `sunflower-${run.id}`,
  };
  const bob = { userId: `bob-${run.id}`, email: `bob.${run.id}@example.com` };
  /** Every clear-text form of Ana's identity a store could keep. */
  const anaTraces = [
    ana.userId,
    ana.email,
    ana.phoneE164,
    ana.phoneE164.slice(1),
    ana.laptop,
    ana.mobile,
    ana.secretTrait,
  ];

  const url = (service: ServiceName) => services.get(service)!.url;
  const get = (service: ServiceName, path: string) =>
    fetch(`${url(service)}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const post = (service: ServiceName, path: string, body: unknown) =>
    fetch(`${url(service)}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  async function start(name: ServiceName): Promise<void> {
    const service = startService(name, {
      ...run.serviceEnv(name),
      PORT: String(await freePort()),
      ...(name === 'activation' ? { WEBHOOK_ALLOWLIST: '127.0.0.1/32' } : {}),
    });
    services.set(name, service);
    await waitForReady(service);
  }

  async function profileOf(identifier: string): Promise<ProfileBody | null> {
    const response = await get('enrichment', `/v1/profiles?identifier=${identifier}`);
    return response.status === 200 ? ((await response.json()) as ProfileBody) : null;
  }

  async function request(type: string, identifier: { type: string; value: string }) {
    const response = await post('ingestion', '/v1/privacy/requests', { type, identifier });
    expect(response.status).toBe(202);
    return (await response.json()) as PrivacyRequestView;
  }

  async function settled(id: string): Promise<PrivacyRequestView> {
    let view: PrivacyRequestView | undefined;
    await eventually(
      async () => {
        view = (await (await get('ingestion', `/v1/privacy/requests/${id}`)).json()) as
          PrivacyRequestView | undefined;
        return view?.status !== 'pending';
      },
      240_000,
      `privacy request ${id} settled`,
    );
    return view!;
  }

  /** Every document of every collection of a service's database, as JSON text. */
  async function dumpDatabase(service: ServiceName): Promise<string> {
    const db = (await run.mongoClient()).db(run.database(`tessera_${service}`));
    const parts: string[] = [];
    for (const { name } of await db.listCollections().toArray())
      parts.push(name, JSON.stringify(await db.collection(name).find({}).toArray()));
    return parts.join('\n');
  }

  let anaProfile: ProfileBody;
  let anaProfileIds: string[];
  let deletion: PrivacyRequestView;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    for (const name of SERVICES) await start(name);
    await reader.connect();
    await reader.subscribe({ topic: run.topics.resolve(TOPICS.profiles), fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        if (!message.key) return;
        const { profileId } = codec.decodeAs('ProfileKey', message.key);
        latest.set(profileId, message.value && codec.decodeAs('ProfileSnapshot', message.value));
      },
    });
    const subscription = await post('activation', '/v1/subscriptions', {
      id: 'crm',
      target: { type: 'webhook', url: receiver.url },
      filter: { profileUpdates: true, deletions: true },
    });
    expect(subscription.status).toBe(201);
    // Every activation replica routes with the new subscription (SUBSCRIPTIONS_REFRESH_MS, 2 s).
    await new Promise((resolve) => setTimeout(resolve, 3_000));

    const created = await post('ingestion', '/admin/sources', { name: 'web' });
    const { writeKey } = (await created.json()) as { writeKey: string };
    analytics = new Analytics({ writeKey, host: url('ingestion'), flushAt: 20, maxRetries: 3 });
    analytics.page({ anonymousId: ana.laptop, name: 'Home' });
    analytics.identify({
      anonymousId: ana.laptop,
      userId: ana.userId,
      traits: { email: ana.email, phone: ana.phone, favouriteFlower: ana.secretTrait },
    });
    analytics.track({
      anonymousId: ana.mobile,
      event: 'Order Completed',
      properties: { revenue: 25, currency: 'EUR' },
    });
    analytics.identify({ anonymousId: ana.mobile, traits: { email: ana.email } });
    analytics.identify({ userId: bob.userId, traits: { email: bob.email } });
    await analytics.flush({ timeout: 30_000 });

    await eventually(
      async () => {
        const profile = await profileOf(`user_id:${ana.userId}`);
        if (profile?.computed.eventCount !== 4) return false;
        anaProfile = profile;
        return (await profileOf(`email:${bob.email}`)) !== null;
      },
      180_000,
      "Ana's merged profile (4 events) and Bob's",
    );
    expect(anaProfile.identifiers).toEqual(
      expect.arrayContaining([
        { type: 'anonymous_id', value: ana.mobile },
        { type: 'phone', value: ana.phoneE164 },
      ]),
    );
    await eventually(
      () =>
        [...latest.entries()].some(
          ([id, record]) => id !== anaProfile.profileId && record === null,
        ),
      60_000,
      'the merged-away profile tombstoned on the profiles topic',
    );
    // Ana's profiles: the survivor and those merged into it (their tombstones say so).
    anaProfileIds = [
      anaProfile.profileId,
      ...[...latest.keys()].filter((id) => id !== anaProfile.profileId && latest.get(id) === null),
    ];
    await eventually(
      () =>
        receiver
          .ofType('profile.updated')
          .some((request) => request.payload.data.profileId === anaProfile.profileId),
      60_000,
      "Ana's profile update at the webhook",
    );

    deletion = await request('suppress_with_delete', { type: 'phone', value: ana.phone });
    // Two services die with the request in flight and come back: it must still complete.
    for (const name of ['enrichment', 'activation'] as const) {
      services.get(name)!.process.kill('SIGKILL');
      await start(name);
    }
    deletion = await settled(deletion.id);
  });

  afterAll(async () => {
    await analytics?.closeAndFlush({ timeout: 5_000 }).catch(() => undefined);
    await reader.disconnect();
    for (const service of services.values()) service.process.kill('SIGKILL');
    await receiver?.close();
    await run.cleanup();
  });

  it('completes the request in every service, with its completion time', () => {
    expect(deletion).toMatchObject({
      id: deletion.id,
      type: 'suppress_with_delete',
      identifier: { type: 'phone' },
      status: 'done',
      result: 'done',
    });
    for (const name of SERVICES) expect(deletion.services[name].status).toBe('done');
    expect(Date.parse(deletion.completedAt!)).toBeGreaterThanOrEqual(
      Date.parse(deletion.requestedAt),
    );
    expect(JSON.stringify(deletion)).not.toContain(ana.phoneE164);
  });

  it('leaves nothing of the profile readable through the profile and identity APIs', async () => {
    for (const id of anaProfileIds) {
      expect((await get('enrichment', `/v1/profiles/${id}`)).status).toBe(404);
      expect((await get('enrichment', `/v1/profiles/${id}/traits`)).status).toBe(404);
      expect((await get('enrichment', `/v1/profiles/${id}/events`)).status).toBe(404);
      expect((await get('identity', `/v1/identity/profiles/${id}`)).status).toBe(404);
    }
    const identifiers: [string, string][] = [
      ['user_id', ana.userId],
      ['email', ana.email],
      ['phone', ana.phoneE164],
      ['anonymous_id', ana.laptop],
      ['anonymous_id', ana.mobile],
    ];
    for (const [type, value] of identifiers) {
      expect(await profileOf(`${type}:${value}`)).toBeNull();
      const resolved = await get(
        'identity',
        `/v1/identity/resolve?type=${type}&value=${encodeURIComponent(value)}`,
      );
      expect(resolved.status).toBe(404);
    }
    expect(await profileOf(`email:${bob.email}`)).not.toBeNull();
  });

  it('tells the deletions subscriber and keeps no delivery of the profile but that notice', async () => {
    await eventually(
      () =>
        receiver
          .ofType('profile.deleted')
          .some((request) => request.payload.data.profileId === anaProfile.profileId),
      60_000,
      'profile.deleted at the webhook',
    );
    const log = (await (await get('activation', '/v1/subscriptions/crm/deliveries')).json()) as {
      deliveries: unknown[];
    };
    const text = JSON.stringify(log);
    for (const trace of anaTraces) expect(text).not.toContain(trace);
  });

  it('leaves a tombstone as the latest record of every one of its keys on the profiles topic', async () => {
    await eventually(
      () => anaProfileIds.every((id) => latest.get(id) === null),
      60_000,
      'tombstones for every profile of Ana',
    );
    expect(latest.get(anaProfileIds[0])).toBeNull();
  });

  it("keeps none of the person's identifiers in clear text in any service's database", async () => {
    const dumps = await Promise.all(SERVICES.map(dumpDatabase));
    for (const [index, dump] of dumps.entries()) {
      for (const trace of anaTraces) {
        if (dump.includes(trace))
          throw new Error(`${SERVICES[index]}'s database still holds ${trace}`);
      }
    }
    // The scan finds what is there: Bob, who asked for nothing, is in identity and enrichment.
    expect(dumps[1]).toContain(bob.email);
    expect(dumps[2]).toContain(bob.email);
  });

  it('drops later events that carry any identifier of the suppressed profile', async () => {
    analytics.track({ userId: ana.userId, event: 'Came Back' });
    analytics.identify({ anonymousId: `anon-new-${run.id}`, traits: { email: ana.email } });
    analytics.track({ userId: bob.userId, event: 'Order Completed', properties: { revenue: 5 } });
    await analytics.flush({ timeout: 30_000 });
    await eventually(
      async () => (await profileOf(`email:${bob.email}`))?.computed.eventCount === 2,
      120_000,
      "Bob's later event folded",
    );
    expect(await profileOf(`user_id:${ana.userId}`)).toBeNull();
    expect(await profileOf(`email:${ana.email}`)).toBeNull();
    const metrics = await (await fetch(`${url('ingestion')}/metrics`)).text();
    const suppressed = /^tessera_ingestion_events_suppressed_total(?:\{[^}]*\})? (\d+)/m.exec(
      metrics,
    );
    expect(Number(suppressed?.[1])).toBeGreaterThanOrEqual(2);
  });

  it('completes a request for an identifier nobody has with "nothing found"', async () => {
    const unknown = await request('delete', {
      type: 'email',
      value: `nobody.${run.id}@example.com`,
    });
    const view = await settled(unknown.id);
    expect(view).toMatchObject({ status: 'done', result: 'nothing found' });
  });
});
