import type { IdentityMerge, ResolvedEvent } from '@tessera/contracts';
import {
  foldEvents,
  emptyProfile,
  profileEventOf,
  type FoldOptions,
  type ProfileState,
} from '@tessera/profile';
import type { EnrichmentInput } from './enrichment-harness';

/** A small deterministic generator (mulberry32), so a failing stream can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface Customer {
  /** The profile that survives the customer's merges (the smallest id). */
  survivor: string;
  /** Profiles merged into the survivor. */
  mergedAway: string[];
  events: ResolvedEvent[];
}

export interface CustomerStream {
  customers: Customer[];
  /** Every event and merge, in the order the identity service would have written them. */
  inputs: EnrichmentInput[];
}

const DAY = 86_400_000;
const START = Date.UTC(2026, 9, 1);
const USER_AGENTS = [
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
];

/**
 * Customers whose events arrive on two or three profiles that the identity service later merges:
 * identifies with traits and consent, page views, and orders with revenue, at random times.
 */
export function customerStream(
  seed: number,
  customerCount: number,
  eventsPerCustomer: number,
): CustomerStream {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const customers: Customer[] = [];
  const inputs: EnrichmentInput[] = [];
  for (let c = 0; c < customerCount; c++) {
    const profiles = Array.from(
      { length: 2 + Math.floor(random() * 2) },
      (_, k) => `p_${seed}_${c}_${k}`,
    );
    const [survivor, ...mergedAway] = profiles;
    const events: ResolvedEvent[] = [];
    for (let n = 0; n < eventsPerCustomer; n++) {
      const profileId = pick(profiles);
      const type = pick(['track', 'track', 'identify', 'page'] as const);
      const name = pick(['Order Completed', 'Product Viewed', 'Signed In']);
      const at = START + Math.floor(random() * 60 * DAY);
      events.push({
        messageId: `m_${seed}_${c}_${n}`,
        type,
        userId: `user-${c}`,
        anonymousId: `anon-${profileId}`,
        event: type === 'track' ? name : null,
        name: type === 'page' ? 'Home' : null,
        groupId: null,
        previousId: null,
        properties:
          type === 'track' && name === 'Order Completed'
            ? { revenue: Math.round(random() * 20_000) / 100, currency: 'EUR' }
            : {},
        traits:
          type === 'identify'
            ? { plan: pick(['free', 'pro', 'team']), email: ` Customer${c}@Example.COM ` }
            : null,
        context: {
          userAgent: pick(USER_AGENTS),
          traits: { country: pick(['de', 'Germany', 'FRA']) },
          ...(random() < 0.3
            ? { consent: { categoryPreferences: { analytics: true, advertising: random() < 0.5 } } }
            : {}),
        },
        integrations: null,
        timestamp: at,
        sentAt: at,
        receivedAt: at + 50,
        originalTimestamp: at,
        sourceId: pick(['web', 'ios']),
        violations: [],
        profileId,
        identifiers: [
          { type: 'user_id', value: `user-${c}` },
          { type: 'anonymous_id', value: `anon-${profileId}` },
        ],
        unlinked: [],
        dropped: [],
        resolvedAt: at + 60,
      });
    }
    customers.push({ survivor, mergedAway, events });
    inputs.push(...events.map((event) => ({ kind: 'event' as const, event })));
    // Each merged-away profile goes into the survivor, or first into another merged-away one.
    mergedAway.forEach((from, index) => {
      const into = index > 0 && random() < 0.5 ? mergedAway[index - 1] : survivor;
      const merge: IdentityMerge = {
        from,
        into,
        reason: `user_id:user-${c} was in both profiles`,
        messageId: `merge_${seed}_${c}_${index}`,
        identifiers: [{ type: 'user_id', value: `user-${c}` }],
        at: START,
      };
      inputs.push({ kind: 'merge', merge });
    });
  }
  return { customers, inputs };
}

/** The sequential reference: a customer's events folded once each, in time order. */
export function referenceProfile(customer: Customer, options: FoldOptions): ProfileState {
  const inTimeOrder = [...customer.events].sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
  return foldEvents(emptyProfile(), inTimeOrder.map(profileEventOf), options);
}

/** The inputs in a random order: events before or after the merges of their profiles. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const random = seededRandom(seed);
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}
