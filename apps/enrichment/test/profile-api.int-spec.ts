import type { IdentityMerge, JsonObject, ResolvedEvent } from '@tessera/contracts';
import { eventually } from '@tessera/testing';
import { EnrichmentHarness, type EnrichmentInput } from './enrichment-harness';

jest.setTimeout(180_000);

const DAY = 86_400_000;
const HOUR = 3_600_000;
const TODAY = Math.floor(Date.now() / DAY);
/** A time `days` whole UTC days before today, at `hour` o'clock. */
const daysAgo = (days: number, hour: number): number => (TODAY - days) * DAY + hour * HOUR;
const iso = (at: number): string => new Date(at).toISOString();

/** One customer on two profiles: `survivor` keeps the merge, `mergedAway` goes into it. */
const SURVIVOR = 'p_api_a';
const MERGED_AWAY = 'p_api_b';

const WINDOWS_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const IPHONE_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

const USER_ID = { type: 'user_id', value: 'user-ana' };

function resolved(
  fields: Pick<ResolvedEvent, 'messageId' | 'type' | 'profileId' | 'timestamp' | 'sourceId'> &
    Partial<ResolvedEvent>,
): ResolvedEvent {
  const at = fields.timestamp as number;
  return {
    userId: 'user-ana',
    anonymousId: `anon-${fields.profileId}`,
    event: null,
    name: null,
    groupId: null,
    previousId: null,
    properties: {},
    traits: null,
    context: {},
    integrations: null,
    sentAt: at,
    receivedAt: at + 50,
    originalTimestamp: at,
    violations: [],
    identifiers: [USER_ID, { type: 'anonymous_id', value: `anon-${fields.profileId}` }],
    unlinked: [],
    dropped: [],
    resolvedAt: at + 60,
    ...fields,
  };
}

// Events in time order; `page-pricing` and `page-home` share a time (the timeline breaks the tie
// by messageId, newest-first order puts `page-pricing` first).
const identifyB = resolved({
  messageId: 'api-1-identify',
  type: 'identify',
  profileId: MERGED_AWAY,
  timestamp: daysAgo(12, 9),
  sourceId: 'web',
  traits: { email: ' Ana@Example.COM ', plan: 'free', firstName: '  Ana   Maria ' },
  context: { userAgent: WINDOWS_UA, traits: { country: 'Germany' } },
  identifiers: [
    { type: 'anonymous_id', value: `anon-${MERGED_AWAY}` },
    { type: 'email', value: 'ana@example.com' },
    USER_ID,
  ],
});
const orderB = resolved({
  messageId: 'api-2-order',
  type: 'track',
  event: 'Order Completed',
  profileId: MERGED_AWAY,
  timestamp: daysAgo(11, 14),
  sourceId: 'web',
  properties: { revenue: 49.9, currency: 'EUR' },
  context: {
    userAgent: WINDOWS_UA,
    consent: { categoryPreferences: { analytics: true, advertising: false } },
  },
});
const pageHomeA = resolved({
  messageId: 'api-3-page-home',
  type: 'page',
  name: 'Home',
  profileId: SURVIVOR,
  timestamp: daysAgo(8, 10),
  sourceId: 'ios',
  properties: { path: '/' },
  context: { userAgent: IPHONE_UA, traits: { phone: '0151 12345678' } },
  identifiers: [
    { type: 'anonymous_id', value: `anon-${SURVIVOR}` },
    { type: 'phone', value: '+4915112345678' },
    USER_ID,
  ],
});
const pagePricingB = resolved({
  messageId: 'api-7-page-pricing',
  type: 'page',
  name: 'Pricing',
  profileId: MERGED_AWAY,
  timestamp: daysAgo(8, 10),
  sourceId: 'web',
});
const identifyA = resolved({
  messageId: 'api-4-identify',
  type: 'identify',
  profileId: SURVIVOR,
  timestamp: daysAgo(6, 8),
  sourceId: 'ios',
  traits: { plan: 'pro' },
  context: {
    userAgent: IPHONE_UA,
    consent: { categoryPreferences: { analytics: true, advertising: true } },
  },
});
const orderA = resolved({
  messageId: 'api-5-order',
  type: 'track',
  event: 'Order Completed',
  profileId: SURVIVOR,
  timestamp: daysAgo(3, 16),
  sourceId: 'ios',
  properties: { revenue: 30.1, currency: 'EUR' },
  context: { userAgent: IPHONE_UA },
});
const viewedB = resolved({
  messageId: 'api-6-viewed',
  type: 'track',
  event: 'Product Viewed',
  profileId: MERGED_AWAY,
  timestamp: daysAgo(2, 12),
  sourceId: 'web',
  properties: { sku: 'sku-1' },
  context: { userAgent: WINDOWS_UA },
});

const EVENTS = [identifyB, orderB, pageHomeA, pagePricingB, identifyA, orderA, viewedB];
/** The timeline newest first: by time, then by messageId descending. */
const NEWEST_FIRST = [viewedB, orderA, identifyA, pagePricingB, pageHomeA, orderB, identifyB].map(
  (event) => event.messageId,
);

const MERGE: IdentityMerge = {
  from: MERGED_AWAY,
  into: SURVIVOR,
  reason: 'user_id:user-ana was in both profiles',
  messageId: 'api-merge',
  identifiers: [USER_ID],
  at: daysAgo(7, 0),
};

const EXPECTED_IDENTIFIERS = [
  { type: 'anonymous_id', value: `anon-${SURVIVOR}` },
  { type: 'anonymous_id', value: `anon-${MERGED_AWAY}` },
  { type: 'email', value: 'ana@example.com' },
  { type: 'phone', value: '+4915112345678' },
  USER_ID,
];

/** Latest statement of each trait wins, normalised (email lower-cased, phone E.164, country ISO). */
const EXPECTED_TRAITS = {
  country: { value: 'DE', at: identifyB.timestamp, source: 'web', messageId: identifyB.messageId },
  email: {
    value: 'ana@example.com',
    at: identifyB.timestamp,
    source: 'web',
    messageId: identifyB.messageId,
  },
  firstName: {
    value: 'Ana Maria',
    at: identifyB.timestamp,
    source: 'web',
    messageId: identifyB.messageId,
  },
  phone: {
    value: '+4915112345678',
    at: pageHomeA.timestamp,
    source: 'ios',
    messageId: pageHomeA.messageId,
  },
  plan: { value: 'pro', at: identifyA.timestamp, source: 'ios', messageId: identifyA.messageId },
};

/** Computed traits but daysSinceLastSeen (that one depends on the day the test runs). */
const EXPECTED_COMPUTED = {
  eventCount: 7,
  firstSeen: identifyB.timestamp,
  lastSeen: viewedB.timestamp,
  callCounts: { identify: 2, page: 2, track: 3 },
  eventCounts: { 'Order Completed': 2, 'Product Viewed': 1 },
  orderCount: 2,
  revenueTotal: 80,
  averageOrderValue: 40,
  lastOrderAt: orderA.timestamp,
};

/** The latest consent stated (identifyA), the device of the latest event with a user agent (viewedB). */
const EXPECTED_CONSENT = {
  categoryPreferences: { analytics: true, advertising: true },
  at: iso(identifyA.timestamp as number),
};
const EXPECTED_DEVICE = {
  userAgent: WINDOWS_UA,
  browser: 'Chrome',
  browserVersion: '124.0.0.0',
  os: 'Windows',
  osVersion: '10',
  deviceType: null,
  deviceVendor: null,
  deviceModel: null,
  at: iso(viewedB.timestamp as number),
};

interface TimelineEntry {
  messageId: string;
  type: string;
  event: string | null;
  name: string | null;
  at: string;
  receivedAt: string;
  sourceId: string;
  properties: JsonObject;
}

describe('the Profile API', () => {
  let harness: EnrichmentHarness;

  /** Calls the API and reads daysSinceLastSeen as it was before and after the call (midnight). */
  async function daysSinceLastSeenAround<T>(call: () => Promise<T>) {
    const dayBefore = Math.floor(Date.now() / DAY);
    const result = await call();
    const dayAfter = Math.floor(Date.now() / DAY);
    const lastSeenDay = Math.floor((viewedB.timestamp as number) / DAY);
    return { result, allowed: [dayBefore - lastSeenDay, dayAfter - lastSeenDay] };
  }

  beforeAll(async () => {
    harness = await EnrichmentHarness.start('enrich-api');
    // Some events before the merge, some after: the merge and events commute.
    const inputs: EnrichmentInput[] = [
      ...EVENTS.slice(0, 3).map((event) => ({ kind: 'event' as const, event })),
      { kind: 'merge', merge: MERGE },
      ...EVENTS.slice(3).map((event) => ({ kind: 'event' as const, event })),
    ];
    await harness.publish(inputs);
    await harness.settled(new Map([[SURVIVOR, EVENTS.length]]));
    await eventually(
      () => harness.latest.has(MERGED_AWAY) && harness.latest.get(MERGED_AWAY) === null,
      60_000,
      'a tombstone for the merged-away profile',
    );
  });

  afterAll(async () => {
    await harness?.close();
  });

  describe('GET /v1/profiles/:id', () => {
    it('returns the profile with its identifiers, traits, computed traits, consent, device and merges', async () => {
      const { result, allowed } = await daysSinceLastSeenAround(() =>
        harness.api(`/v1/profiles/${SURVIVOR}`),
      );
      expect(result.status).toBe(200);
      const body = result.body;
      expect(body).toEqual({
        profileId: SURVIVOR,
        requestedId: SURVIVOR,
        version: expect.any(Number) as unknown,
        identifiers: EXPECTED_IDENTIFIERS,
        traits: EXPECTED_TRAITS,
        computed: { ...EXPECTED_COMPUTED, daysSinceLastSeen: expect.any(Number) as unknown },
        customTraits: {},
        consent: EXPECTED_CONSENT,
        device: EXPECTED_DEVICE,
        mergedFrom: [MERGED_AWAY],
        updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) as unknown,
      });
      const computed = body.computed as { daysSinceLastSeen: number };
      expect(allowed).toContain(computed.daysSinceLastSeen);
      expect(computed.daysSinceLastSeen).toBeGreaterThanOrEqual(2);
    });

    it('answers for a merged-away id with the surviving profile, naming the id asked for', async () => {
      const survivor = await harness.api(`/v1/profiles/${SURVIVOR}`);
      const mergedAway = await harness.api(`/v1/profiles/${MERGED_AWAY}`);
      expect(mergedAway.status).toBe(200);
      expect(mergedAway.body.profileId).toBe(SURVIVOR);
      expect(mergedAway.body.requestedId).toBe(MERGED_AWAY);
      expect(mergedAway.body).toEqual({ ...survivor.body, requestedId: MERGED_AWAY });
    });

    it('answers 404 naming the id when no profile has it', async () => {
      const { status, body } = await harness.api('/v1/profiles/p_nobody');
      expect(status).toBe(404);
      expect(body).toEqual({ success: false, error: 'not_found', message: 'no profile p_nobody' });
    });

    it('answers 401 without a token and gives away nothing', async () => {
      const { status, body } = await harness.api(`/v1/profiles/${SURVIVOR}`, null);
      expect(status).toBe(401);
      expect(body).toEqual({
        success: false,
        error: 'unauthorized',
        message: expect.any(String) as unknown,
      });
    });

    it('answers 401 with a wrong token, also one the right token is a prefix of', async () => {
      for (const token of ['wrong-token-0123456789', `${harness.config.adminToken}x`]) {
        const { status, body } = await harness.api(`/v1/profiles/${SURVIVOR}`, token);
        expect(status).toBe(401);
        expect(body).toMatchObject({ success: false, error: 'unauthorized' });
        expect(body).not.toHaveProperty('profileId');
      }
    });
  });

  describe('GET /v1/profiles?identifier=', () => {
    it('finds the profile by an email written in upper case with spaces around it', async () => {
      const identifier = encodeURIComponent('email:  ANA@Example.COM ');
      const { status, body } = await harness.api(`/v1/profiles?identifier=${identifier}`);
      expect(status).toBe(200);
      expect(body.profileId).toBe(SURVIVOR);
      expect(body.identifiers).toEqual(EXPECTED_IDENTIFIERS);
      expect(body.traits).toEqual(EXPECTED_TRAITS);
    });

    it('finds the profile by its user_id', async () => {
      const { status, body } = await harness.api(`/v1/profiles?identifier=user_id:user-ana`);
      expect(status).toBe(200);
      expect(body.profileId).toBe(SURVIVOR);
      expect(body.mergedFrom).toEqual([MERGED_AWAY]);
    });

    it('finds the profile by a phone number written without country code, read in the default region', async () => {
      const identifier = encodeURIComponent('phone:0151 12345678');
      const { status, body } = await harness.api(`/v1/profiles?identifier=${identifier}`);
      expect(status).toBe(200);
      expect(body.profileId).toBe(SURVIVOR);
    });

    it('answers 404 naming the identifier when no profile holds it', async () => {
      const { status, body } = await harness.api(
        `/v1/profiles?identifier=${encodeURIComponent('email:nobody@example.com')}`,
      );
      expect(status).toBe(404);
      expect(body).toEqual({
        success: false,
        error: 'not_found',
        message: expect.stringContaining('email:nobody@example.com') as unknown,
      });
    });

    it('answers 400 invalid_request for an identifier without a type', async () => {
      const { status, body } = await harness.api('/v1/profiles?identifier=nocolon');
      expect(status).toBe(400);
      expect(body).toEqual({
        success: false,
        error: 'invalid_request',
        message: expect.stringContaining('nocolon') as unknown,
      });
    });

    it('answers 400 invalid_request when the identifier is missing', async () => {
      const { status, body } = await harness.api('/v1/profiles');
      expect(status).toBe(400);
      expect(body).toEqual({
        success: false,
        error: 'invalid_request',
        message: expect.stringContaining('identifier') as unknown,
      });
    });

    it('answers 400 invalid_request for a type that is not snake case or a value that is not an email', async () => {
      for (const identifier of ['Email:ana@example.com', 'email:not-an-email', ':ana']) {
        const { status, body } = await harness.api(
          `/v1/profiles?identifier=${encodeURIComponent(identifier)}`,
        );
        expect({ identifier, status, error: body.error }).toEqual({
          identifier,
          status: 400,
          error: 'invalid_request',
        });
      }
    });

    it('answers 401 without a token', async () => {
      const { status, body } = await harness.api('/v1/profiles?identifier=user_id:user-ana', null);
      expect(status).toBe(401);
      expect(body).toMatchObject({ success: false, error: 'unauthorized' });
    });
  });

  describe('GET /v1/profiles/:id/traits', () => {
    it('returns the traits and computed traits of the profile', async () => {
      const { result, allowed } = await daysSinceLastSeenAround(() =>
        harness.api(`/v1/profiles/${SURVIVOR}/traits`),
      );
      expect(result.status).toBe(200);
      expect(result.body).toEqual({
        profileId: SURVIVOR,
        requestedId: SURVIVOR,
        traits: EXPECTED_TRAITS,
        computed: { ...EXPECTED_COMPUTED, daysSinceLastSeen: expect.any(Number) as unknown },
        customTraits: {},
      });
      expect(allowed).toContain((result.body.computed as JsonObject).daysSinceLastSeen);
    });

    it('returns the surviving profile’s traits for a merged-away id', async () => {
      const { status, body } = await harness.api(`/v1/profiles/${MERGED_AWAY}/traits`);
      expect(status).toBe(200);
      expect(body).toMatchObject({
        profileId: SURVIVOR,
        requestedId: MERGED_AWAY,
        traits: EXPECTED_TRAITS,
        computed: EXPECTED_COMPUTED,
      });
    });

    it('answers 404 naming the id when no profile has it', async () => {
      const { status, body } = await harness.api('/v1/profiles/p_nobody/traits');
      expect(status).toBe(404);
      expect(body).toEqual({ success: false, error: 'not_found', message: 'no profile p_nobody' });
    });
  });

  describe('GET /v1/profiles/:id/events', () => {
    it('lists the events of the profile and of the one merged into it, newest first', async () => {
      const { status, body } = await harness.api(`/v1/profiles/${SURVIVOR}/events`);
      expect(status).toBe(200);
      expect(body.profileId).toBe(SURVIVOR);
      expect(body.next).toBeNull();
      const events = body.events as TimelineEntry[];
      expect(events.map((event) => event.messageId)).toEqual(NEWEST_FIRST);
      expect(events.find((event) => event.messageId === orderB.messageId)).toEqual({
        messageId: orderB.messageId,
        type: 'track',
        event: 'Order Completed',
        name: null,
        at: iso(orderB.timestamp as number),
        receivedAt: iso(orderB.receivedAt),
        sourceId: 'web',
        properties: { revenue: 49.9, currency: 'EUR' },
      });
      expect(events.find((event) => event.messageId === pageHomeA.messageId)).toEqual({
        messageId: pageHomeA.messageId,
        type: 'page',
        event: null,
        name: 'Home',
        at: iso(pageHomeA.timestamp as number),
        receivedAt: iso(pageHomeA.receivedAt),
        sourceId: 'ios',
        properties: { path: '/' },
      });
    });

    it('pages by limit and the next cursor, splitting two events of the same time across pages', async () => {
      const first = await harness.api(`/v1/profiles/${SURVIVOR}/events?limit=4`);
      expect(first.status).toBe(200);
      const firstIds = (first.body.events as TimelineEntry[]).map((event) => event.messageId);
      expect(firstIds).toEqual(NEWEST_FIRST.slice(0, 4));
      expect(first.body.next).toEqual(expect.any(String));

      const second = await harness.api(
        `/v1/profiles/${SURVIVOR}/events?limit=4&cursor=${encodeURIComponent(first.body.next as string)}`,
      );
      expect(second.status).toBe(200);
      const secondIds = (second.body.events as TimelineEntry[]).map((event) => event.messageId);
      expect(secondIds).toEqual(NEWEST_FIRST.slice(4));
      expect(second.body.next).toBeNull();
    });

    it('walks the whole timeline one event at a time, each event once', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      for (let page = 0; page <= NEWEST_FIRST.length; page++) {
        const query: string = cursor ? `?limit=1&cursor=${encodeURIComponent(cursor)}` : '?limit=1';
        const { status, body } = await harness.api(`/v1/profiles/${SURVIVOR}/events${query}`);
        expect(status).toBe(200);
        seen.push(...(body.events as TimelineEntry[]).map((event) => event.messageId));
        cursor = body.next as string | null;
        if (cursor === null) break;
      }
      expect(cursor).toBeNull();
      expect(seen).toEqual(NEWEST_FIRST);
    });

    it('gives the surviving profile’s timeline for a merged-away id', async () => {
      const { status, body } = await harness.api(`/v1/profiles/${MERGED_AWAY}/events?limit=2`);
      expect(status).toBe(200);
      expect(body.profileId).toBe(SURVIVOR);
      expect((body.events as TimelineEntry[]).map((event) => event.messageId)).toEqual(
        NEWEST_FIRST.slice(0, 2),
      );
    });

    it('answers 400 invalid_request for a limit that is not a whole number from 1 to 200', async () => {
      for (const limit of ['0', '500', 'x', '2.5', '-1', '']) {
        const { status, body } = await harness.api(
          `/v1/profiles/${SURVIVOR}/events?limit=${limit}`,
        );
        expect({ limit, status, body }).toEqual({
          limit,
          status: 400,
          body: {
            success: false,
            error: 'invalid_request',
            message: expect.stringContaining('limit') as unknown,
          },
        });
      }
    });

    it('takes the largest limit, 200', async () => {
      const { status, body } = await harness.api(`/v1/profiles/${SURVIVOR}/events?limit=200`);
      expect(status).toBe(200);
      expect((body.events as TimelineEntry[]).length).toBe(NEWEST_FIRST.length);
    });

    it('answers 400 invalid_request for a cursor the API did not hand out', async () => {
      const forged = Buffer.from(JSON.stringify({ at: 'yesterday', id: 7 })).toString('base64url');
      const notJson = Buffer.from('not json').toString('base64url');
      const nullCursor = Buffer.from('null').toString('base64url');
      for (const cursor of ['garbage!', forged, notJson, nullCursor]) {
        const { status, body } = await harness.api(
          `/v1/profiles/${SURVIVOR}/events?cursor=${encodeURIComponent(cursor)}`,
        );
        expect({ cursor, status, body }).toEqual({
          cursor,
          status: 400,
          body: {
            success: false,
            error: 'invalid_request',
            message: expect.stringContaining('cursor') as unknown,
          },
        });
      }
    });

    it('answers 404 naming the id when no profile has it', async () => {
      const { status, body } = await harness.api('/v1/profiles/p_nobody/events');
      expect(status).toBe(404);
      expect(body).toEqual({ success: false, error: 'not_found', message: 'no profile p_nobody' });
    });

    it('answers 401 with a wrong token', async () => {
      const { status, body } = await harness.api(
        `/v1/profiles/${SURVIVOR}/events`,
        'wrong-token-0123456789',
      );
      expect(status).toBe(401);
      expect(body).toMatchObject({ success: false, error: 'unauthorized' });
      expect(body).not.toHaveProperty('events');
    });
  });
});
