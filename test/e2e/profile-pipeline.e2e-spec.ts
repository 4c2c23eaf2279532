import { Analytics } from '@segment/analytics-node';
import { AvroCodec, TOPICS, type ProfileSnapshot } from '@tessera/contracts';
import {
  eventually,
  freePort,
  startService,
  TestRun,
  waitForReady,
  type StartedService,
} from '@tessera/testing';
import { randomUUID } from 'node:crypto';

jest.setTimeout(300_000);

const SERVICES = ['ingestion', 'identity', 'enrichment'] as const;

interface ProfileBody {
  profileId: string;
  identifiers: { type: string; value: string }[];
  traits: Record<string, { value: unknown; source: string }>;
  computed: {
    eventCount: number;
    callCounts: Record<string, number>;
    eventCounts: Record<string, number>;
    orderCount: number;
    revenueTotal: number;
    averageOrderValue: number | null;
  };
  device: { os: string | null } | null;
  version: number;
}

describe('an anonymous visitor who logs in and buys from a second device', () => {
  const run = TestRun.create('pipeline');
  const codec = new AvroCodec();
  const services = new Map<string, StartedService>();
  const latest = new Map<string, ProfileSnapshot | null>();
  const reader = run.kafka.consumer({ groupId: `reader-${randomUUID()}` });
  const token = run.serviceEnv('enrichment').ADMIN_TOKEN;
  const user = `user-${run.id}`;
  const laptop = `anon-laptop-${run.id}`;
  const phone = `anon-phone-${run.id}`;
  const iphone =
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

  beforeAll(async () => {
    for (const name of SERVICES)
      services.set(
        name,
        startService(name, { ...run.serviceEnv(name), PORT: String(await freePort()) }),
      );
    for (const service of services.values()) await waitForReady(service);
    await reader.connect();
    await reader.subscribe({ topic: run.topics.resolve(TOPICS.profiles), fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        if (!message.key) return;
        const { profileId } = codec.decodeAs('ProfileKey', message.key);
        latest.set(profileId, message.value && codec.decodeAs('ProfileSnapshot', message.value));
      },
    });

    const audience = await fetch(`${services.get('enrichment')!.url}/v1/audiences`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        id: 'repeat-buyers',
        name: 'Three orders in 30 days',
        condition: { event: 'Order Completed', withinDays: 30, op: 'gte', value: 3 },
      }),
    });
    expect(audience.status).toBe(201);
    const ingestion = services.get('ingestion')!.url;
    const created = await fetch(`${ingestion}/admin/sources`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'web' }),
    });
    const { writeKey } = (await created.json()) as { writeKey: string };
    const analytics = new Analytics({ writeKey, host: ingestion, flushAt: 50, maxRetries: 3 });
    analytics.page({ anonymousId: laptop, name: 'Home' });
    analytics.track({ anonymousId: laptop, event: 'Product Viewed', properties: { sku: 'A-1' } });
    analytics.identify({
      anonymousId: laptop,
      userId: user,
      traits: { email: 'ana@example.com', firstName: '  Ana ', country: 'Germany' },
    });
    for (const revenue of [10.1, 20.2, 30.3])
      analytics.track({
        anonymousId: phone,
        event: 'Order Completed',
        properties: { revenue, currency: 'EUR' },
        context: { userAgent: iphone },
      });
    analytics.identify({ anonymousId: phone, traits: { email: ' ANA@Example.com ' } });
    await analytics.closeAndFlush({ timeout: 30_000 });
  });

  afterAll(async () => {
    await reader.disconnect();
    for (const service of services.values()) service.process.kill('SIGKILL');
    await run.cleanup();
  });

  async function profileByEmail(): Promise<ProfileBody | null> {
    const response = await fetch(
      `${services.get('enrichment')!.url}/v1/profiles?identifier=email:ana@example.com`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    return response.status === 200 ? ((await response.json()) as ProfileBody) : null;
  }

  it('ends as one profile holding every identifier, merged traits and exact computed traits', async () => {
    let profile: ProfileBody | null = null;
    await eventually(
      async () => {
        profile = await profileByEmail();
        return profile?.computed.eventCount === 7;
      },
      180_000,
      'one profile with all seven events',
    );
    const found = profile as unknown as ProfileBody;
    expect(found.identifiers).toEqual(
      expect.arrayContaining([
        { type: 'user_id', value: user },
        { type: 'anonymous_id', value: laptop },
        { type: 'anonymous_id', value: phone },
        { type: 'email', value: 'ana@example.com' },
      ]),
    );
    expect(found.traits.email.value).toBe('ana@example.com');
    expect(found.traits.firstName.value).toBe('Ana');
    expect(found.traits.country.value).toBe('DE');
    expect(found.computed).toMatchObject({
      callCounts: { page: 1, track: 4, identify: 2 },
      eventCounts: { 'Product Viewed': 1, 'Order Completed': 3 },
      orderCount: 3,
      revenueTotal: 60.6,
      averageOrderValue: 20.2,
    });
    expect(found.device?.os).toBe('iOS');
    const members = await fetch(
      `${services.get('enrichment')!.url}/v1/audiences/repeat-buyers/members`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    expect(await members.json()).toEqual({
      audienceId: 'repeat-buyers',
      members: [{ profileId: found.profileId }],
      next: null,
    });
  });

  it('shows the same profile as the latest record of its key on the profiles topic, and tombstones for the rest', async () => {
    const profile = (await profileByEmail())!;
    await eventually(
      () => latest.get(profile.profileId)?.version === profile.version,
      60_000,
      'the profiles topic caught up',
    );
    const snapshot = latest.get(profile.profileId)!;
    expect(snapshot.computed).toMatchObject({ eventCount: 7, orderCount: 3, revenueTotal: 60.6 });
    expect(snapshot.identifiers).toEqual(profile.identifiers);
    expect(snapshot.audiences).toEqual(['repeat-buyers']);
    const others = [...latest.keys()].filter((id) => id !== profile.profileId);
    // The second device's profile was merged into the first's when it identified with the email.
    expect(others.length).toBeGreaterThan(0);
    for (const id of others) expect(latest.get(id)).toBeNull();
  });
});
