import type { JsonValue, ProfileSnapshot } from '@tessera/contracts';

const PLANS = ['free', 'pro', 'enterprise'];
const CITIES = [
  ['Berlin', 'DE'],
  ['London', 'GB'],
  ['Lyon', 'FR'],
  ['Boston', 'US'],
] as const;

/**
 * `count` profile snapshots as enrichment publishes them: many profiles (`count / versions`), each
 * changed `versions` times, in rounds (every profile's version 1, then every version 2, ...), so a
 * profile's versions are spread over the stream but stay in order on its partition. About 1 KB
 * of Avro each: identifiers, a few traits, counters, consent, a device.
 */
export function profileSnapshots(count: number, versions: number, tag: string): ProfileSnapshot[] {
  const profiles = Math.ceil(count / versions);
  return Array.from({ length: count }, (_, n) =>
    snapshotOf(n % profiles, Math.floor(n / profiles) + 1, tag),
  );
}

function snapshotOf(profile: number, version: number, tag: string): ProfileSnapshot {
  const updatedAt = Date.now();
  const firstSeen = updatedAt - 86_400_000;
  const messageId = `msg-${tag}-${profile}-${version}`;
  const [city, country] = CITIES[profile % CITIES.length];
  const trait = (value: JsonValue) => ({ value, at: updatedAt, source: 'bench', messageId });
  return {
    profileId: `prof-${tag}-${profile}`,
    version,
    identifiers: [
      { type: 'anonymous_id', value: `anon-${profile}-${tag}` },
      { type: 'email', value: `customer.${profile}.${tag}@example.org` },
      { type: 'user_id', value: `user-${profile}-${tag}` },
    ],
    traits: {
      email: trait(`customer.${profile}.${tag}@example.org`),
      firstName: trait('Ada'),
      lastName: trait('Lovelace'),
      plan: trait(PLANS[(profile + version) % PLANS.length]),
      address: trait({ city, country }),
    },
    computed: {
      eventCount: version * 3,
      firstSeen,
      lastSeen: updatedAt,
      callCounts: { identify: version, track: version * 2 },
      eventCounts: { 'Product Viewed': version * 2 },
      orderCount: 0,
      revenueTotal: 0,
      averageOrderValue: null,
      lastOrderAt: null,
    },
    customTraits: {},
    consent: {
      categoryPreferences: { analytics: true, advertising: profile % 2 === 0 },
      at: firstSeen,
      messageId: `msg-${tag}-${profile}-1`,
    },
    device: {
      userAgent:
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
      browser: 'Mobile Safari',
      browserVersion: '17.4',
      os: 'iOS',
      osVersion: '17.4',
      deviceType: 'mobile',
      deviceVendor: 'Apple',
      deviceModel: 'iPhone',
      at: updatedAt,
    },
    audiences: [],
    mergedFrom: [],
    changed:
      version === 1
        ? ['identifiers', 'traits.email', 'traits.plan', 'computed.eventCount', 'consent', 'device']
        : ['traits.plan', 'computed.eventCount', 'computed.lastSeen'],
    updatedAt,
  };
}
