import type { ProfileSnapshot } from '@tessera/contracts';
import { ORDER_COMPLETED, type ScriptedCall } from './scenario';

/** Whole cents per unit: revenue is summed in cents, as the profile fold does (libs/profile). */
const MINOR_UNITS = 100;

/** What one unified profile must hold once every acknowledged call has gone through. */
export interface ExpectedProfile {
  /** `type:value`, sorted. */
  identifiers: string[];
  eventCount: number;
  callCounts: Record<string, number>;
  orderCount: number;
  revenueMinor: number;
  /** Ids of the audiences it is in, sorted. */
  audiences: string[];
}

/** An audience the suite defines, with the rule the reference applies to a profile. */
export interface ReferenceAudience {
  id: string;
  /** The condition as the enrichment API takes it. */
  condition: Record<string, unknown>;
  holds(profile: Omit<ExpectedProfile, 'audiences'>): boolean;
}

export const FAULT_AUDIENCES: readonly ReferenceAudience[] = [
  {
    id: 'fault-buyers',
    condition: { computed: 'orderCount', op: 'gte', value: 1 },
    holds: (profile) => profile.orderCount >= 1,
  },
  {
    id: 'fault-big-spenders',
    condition: { computed: 'revenueTotal', op: 'gte', value: 250 },
    holds: (profile) => profile.revenueMinor >= 250 * MINOR_UNITS,
  },
];

/** The identifiers a call links (what the identity service reads from these calls). */
export function identifiersOf(call: ScriptedCall): string[] {
  const identifiers: string[] = [];
  if (call.userId) identifiers.push(`user_id:${call.userId}`);
  if (call.anonymousId) identifiers.push(`anonymous_id:${call.anonymousId}`);
  if (call.traits?.email) identifiers.push(`email:${call.traits.email.toLowerCase()}`);
  return identifiers;
}

/**
 * The sequential reference: one pass over the calls, each counted once by messageId (a client's
 * retry is the same call), identifiers unioned into profiles, counters summed per profile, and
 * audience rules applied at the end. Order does not matter to the result, as it must not to the
 * pipeline's either.
 */
export function referenceProfiles(
  calls: readonly ScriptedCall[],
  audiences: readonly ReferenceAudience[] = FAULT_AUDIENCES,
): ExpectedProfile[] {
  const unique = [...new Map(calls.map((call) => [call.messageId, call])).values()];
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    while (parent.get(root) !== root) root = parent.get(root)!;
    for (let node = x; node !== root;) {
      const next = parent.get(node)!;
      parent.set(node, root);
      node = next;
    }
    return root;
  };
  for (const call of unique) {
    const [first, ...rest] = identifiersOf(call);
    if (!first) throw new Error(`call ${call.messageId} carries no identifier`);
    for (const identifier of [first, ...rest])
      if (!parent.has(identifier)) parent.set(identifier, identifier);
    for (const identifier of rest) parent.set(find(identifier), find(first));
  }

  const profiles = new Map<string, Omit<ExpectedProfile, 'audiences'>>();
  for (const identifier of parent.keys()) {
    const root = find(identifier);
    const profile = profiles.get(root) ?? {
      identifiers: [],
      eventCount: 0,
      callCounts: {},
      orderCount: 0,
      revenueMinor: 0,
    };
    profile.identifiers.push(identifier);
    profiles.set(root, profile);
  }
  for (const call of unique) {
    const profile = profiles.get(find(identifiersOf(call)[0]))!;
    profile.eventCount += 1;
    profile.callCounts[call.type] = (profile.callCounts[call.type] ?? 0) + 1;
    if (call.type === 'track' && call.event === ORDER_COMPLETED) {
      profile.orderCount += 1;
      profile.revenueMinor += Math.round(Number(call.properties?.revenue ?? 0) * MINOR_UNITS);
    }
  }
  return [...profiles.values()]
    .map((profile) => ({
      ...profile,
      identifiers: profile.identifiers.sort(),
      audiences: audiences
        .filter((audience) => audience.holds(profile))
        .map((audience) => audience.id)
        .sort(),
    }))
    .sort((a, b) => a.identifiers[0].localeCompare(b.identifiers[0]));
}

/** A profile as the pipeline shows it (enrichment's profile API or the profiles topic). */
export interface ObservedProfile {
  profileId: string;
  identifiers: { type: string; value: string }[];
  computed: {
    eventCount: number;
    callCounts: Record<string, number>;
    orderCount: number;
    revenueTotal: number;
  };
  audiences: string[];
}

/**
 * The live profiles of a read profiles topic (the latest record per key): tombstoned (merged,
 * deleted) ones left out, each as `differences` compares it.
 */
export function observedProfiles(
  latest: ReadonlyMap<string, ProfileSnapshot | null>,
): ObservedProfile[] {
  return [...latest.values()]
    .filter((snapshot): snapshot is ProfileSnapshot => snapshot !== null)
    .map((snapshot) => ({
      profileId: snapshot.profileId,
      identifiers: snapshot.identifiers.map(({ type, value }) => ({ type, value })),
      computed: snapshot.computed,
      audiences: snapshot.audiences,
    }));
}

/**
 * Every way the observed profiles differ from the reference, one line each: a profile missing or
 * split (its identifiers in several profiles), identifiers wrongly merged, a counter or sum off
 * (a lost or double-counted event), an audience membership wrong. Empty when they agree.
 */
export function differences(
  expected: readonly ExpectedProfile[],
  observed: readonly ObservedProfile[],
): string[] {
  const found: string[] = [];
  const holder = new Map<string, ObservedProfile>();
  for (const profile of observed)
    for (const { type, value } of profile.identifiers) {
      const key = `${type}:${value}`;
      const other = holder.get(key);
      if (other)
        found.push(`${key} is in two profiles: ${other.profileId} and ${profile.profileId}`);
      holder.set(key, profile);
    }
  const matched = new Set<ObservedProfile>();
  for (const profile of expected) {
    const holders = new Set(profile.identifiers.map((identifier) => holder.get(identifier)));
    if (holders.has(undefined)) {
      const missing = profile.identifiers.filter((identifier) => !holder.has(identifier));
      found.push(`${profile.identifiers[0]}: no profile holds ${missing.join(', ')}`);
    }
    const actual = [...holders].filter((candidate): candidate is ObservedProfile => !!candidate);
    for (const one of actual) matched.add(one);
    if (actual.length > 1) {
      found.push(
        `${profile.identifiers[0]}: split over ${actual.map((p) => p.profileId).join(', ')}`,
      );
      continue;
    }
    if (actual.length === 0) continue;
    const [one] = actual;
    const label = `${profile.identifiers[0]} (${one.profileId})`;
    const identifiers = one.identifiers.map(({ type, value }) => `${type}:${value}`).sort();
    if (identifiers.join(' ') !== profile.identifiers.join(' '))
      found.push(
        `${label}: identifiers ${identifiers.join(', ')}, expected ${profile.identifiers.join(', ')}`,
      );
    const revenueMinor = Math.round(one.computed.revenueTotal * MINOR_UNITS);
    const counters: [string, number, number][] = [
      ['eventCount', one.computed.eventCount, profile.eventCount],
      ['orderCount', one.computed.orderCount, profile.orderCount],
      ['revenue (cents)', revenueMinor, profile.revenueMinor],
      ...Object.entries(profile.callCounts).map(
        ([type, count]) =>
          [`${type} calls`, one.computed.callCounts[type] ?? 0, count] as [string, number, number],
      ),
    ];
    for (const [name, actualValue, expectedValue] of counters)
      if (actualValue !== expectedValue)
        found.push(`${label}: ${name} ${actualValue}, expected ${expectedValue}`);
    const audiences = [...one.audiences].sort();
    if (audiences.join(' ') !== profile.audiences.join(' '))
      found.push(
        `${label}: audiences [${audiences.join(', ')}], expected [${profile.audiences.join(', ')}]`,
      );
  }
  for (const profile of observed)
    if (!matched.has(profile))
      found.push(`${profile.profileId}: a profile the reference does not have`);
  return found;
}
