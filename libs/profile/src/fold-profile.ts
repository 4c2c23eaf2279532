import type { JsonObject, JsonValue } from '@tessera/contracts';
import { identifierKey, type Identifier } from '@tessera/identity';
import { customOf, mergeCustom } from './custom-traits';
import { normaliseTraits } from './normalise-traits';
import type { ProfileEvent } from './profile-event';
import {
  dayOf,
  emptyProfile,
  isLater,
  MINOR_UNITS,
  type Activity,
  type FoldOptions,
  type ProfileState,
  type Stamp,
} from './profile-state';
import { deviceOf } from './user-agent';

export const ORDER_COMPLETED = 'Order Completed';

/** The profile that one event alone describes. */
export function profileOf(event: ProfileEvent, options: FoldOptions): ProfileState {
  const stamp: Stamp = { at: event.at, messageId: event.messageId };
  const profile = emptyProfile();
  profile.identifiers = sortedIdentifiers(event.identifiers);
  const traits = normaliseTraits(event.traits, options);
  // fromEntries: own keys even for names such as __proto__ or constructor.
  profile.traits = Object.fromEntries(
    Object.entries(traits).map(([key, value]) => [
      key,
      { ...stamp, value, source: event.sourceId },
    ]),
  );
  if (event.consent) profile.consent = { ...stamp, categoryPreferences: event.consent };
  if (event.userAgent) profile.device = deviceOf(event.userAgent, stamp);
  profile.activity = activityOf(event);
  profile.custom = customOf(event, options.computedTraits ?? []);
  return profile;
}

/**
 * The profile of both sets of events. Commutative and associative, so the order in which events
 * and merges arrive does not matter; not idempotent (counters add), so the store folds each event
 * exactly once.
 */
export function mergeProfiles(
  a: ProfileState,
  b: ProfileState,
  options: FoldOptions,
): ProfileState {
  return {
    identifiers: sortedIdentifiers([...a.identifiers, ...b.identifiers]),
    traits: mergeRecords(a.traits, b.traits, latestOf),
    consent: latest(a.consent, b.consent),
    device: latest(a.device, b.device),
    activity: mergeActivity(a.activity, b.activity, options),
    custom: mergeCustom(a.custom, b.custom, firstKeptDay(a, b, options)),
  };
}

/** Folds events into a profile, in any order. */
export function foldEvents(
  profile: ProfileState,
  events: readonly ProfileEvent[],
  options: FoldOptions,
): ProfileState {
  return events.reduce(
    (state, event) => mergeProfiles(state, profileOf(event, options), options),
    profile,
  );
}

/** Revenue of an `Order Completed` event: `revenue`, else `total`, else the sum of its products. */
export function revenueOf(properties: JsonObject): number {
  const direct = numberOf(properties.revenue) ?? numberOf(properties.total);
  if (direct !== null) return direct;
  const products = Array.isArray(properties.products) ? properties.products : [];
  return products.reduce<number>((sum, product) => {
    if (typeof product !== 'object' || product === null || Array.isArray(product)) return sum;
    return sum + (numberOf(product.price) ?? 0) * (numberOf(product.quantity) ?? 1);
  }, 0);
}

/** The first UTC day per-day counts keep: retention days before the last-seen day. */
function firstKeptDay(a: ProfileState, b: ProfileState, options: FoldOptions): number | null {
  const lastSeen = maxOf(a.activity.lastSeen, b.activity.lastSeen);
  return lastSeen === null ? null : dayOf(lastSeen) - options.dailyRetentionDays;
}

function activityOf(event: ProfileEvent): Activity {
  const isOrder = event.type === 'track' && event.event === ORDER_COMPLETED;
  const activity = emptyProfile().activity;
  activity.eventCount = 1;
  activity.firstSeen = event.at;
  activity.lastSeen = event.at;
  activity.callCounts = { [event.type]: 1 };
  if (event.type === 'track' && event.event !== null) {
    activity.eventCounts = { [event.event]: 1 };
    activity.daily = { [event.event]: { [String(dayOf(event.at))]: 1 } };
  }
  if (isOrder) {
    activity.orderCount = 1;
    activity.revenueMinor = Math.round(revenueOf(event.properties) * MINOR_UNITS);
    activity.lastOrderAt = event.at;
  }
  return activity;
}

function mergeActivity(a: Activity, b: Activity, options: FoldOptions): Activity {
  const lastSeen = maxOf(a.lastSeen, b.lastSeen);
  const daily = mergeRecords(a.daily, b.daily, (x, y) => mergeRecords(x, y, sum));
  return {
    eventCount: a.eventCount + b.eventCount,
    firstSeen: minOf(a.firstSeen, b.firstSeen),
    lastSeen,
    callCounts: mergeRecords(a.callCounts, b.callCounts, sum),
    eventCounts: mergeRecords(a.eventCounts, b.eventCounts, sum),
    orderCount: a.orderCount + b.orderCount,
    revenueMinor: a.revenueMinor + b.revenueMinor,
    lastOrderAt: maxOf(a.lastOrderAt, b.lastOrderAt),
    daily:
      lastSeen === null ? daily : recentDays(daily, dayOf(lastSeen) - options.dailyRetentionDays),
  };
}

/** Drops the days before `firstKept`; the cut depends only on the last-seen day, so it commutes. */
function recentDays(
  daily: Record<string, Record<string, number>>,
  firstKept: number,
): Record<string, Record<string, number>> {
  const kept = new Map<string, Record<string, number>>();
  for (const [name, days] of Object.entries(daily)) {
    const recent = Object.entries(days).filter(([day]) => Number(day) >= firstKept);
    if (recent.length > 0) kept.set(name, Object.fromEntries(recent));
  }
  return Object.fromEntries(kept);
}

function mergeRecords<T>(
  a: Record<string, T>,
  b: Record<string, T>,
  combine: (x: T, y: T) => T,
): Record<string, T> {
  // A Map, not an object: keys such as __proto__ or constructor are data here.
  const merged = new Map(Object.entries(a));
  for (const [key, value] of Object.entries(b)) {
    const known = merged.get(key);
    merged.set(key, merged.has(key) ? combine(known as T, value) : value);
  }
  return sortedKeys(Object.fromEntries(merged));
}

/** Keys in code-point order, so equal profiles are equal as JSON text too. */
function sortedKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(
    Object.entries(record).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)),
  );
}

function latest<T extends Stamp>(a: T | null, b: T | null): T | null {
  if (a === null) return b;
  if (b === null) return a;
  return latestOf(a, b);
}

/** The later statement wins; the same event twice says the same thing, whichever is kept. */
function latestOf<T extends Stamp>(a: T, b: T): T {
  if (isLater(b, a)) return b;
  if (isLater(a, b)) return a;
  // One messageId with two contents (a client reusing ids): pick one the same way everywhere.
  return JSON.stringify(b) > JSON.stringify(a) ? b : a;
}

function sortedIdentifiers(identifiers: Identifier[]): Identifier[] {
  const byKey = new Map(identifiers.map((identifier) => [identifierKey(identifier), identifier]));
  return [...byKey.keys()].sort().map((key) => {
    const { type, value } = byKey.get(key) as Identifier;
    return { type, value };
  });
}

function numberOf(value: JsonValue | undefined): number | null {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) ? number : null;
}

const sum = (x: number, y: number): number => x + y;
const minOf = (x: number | null, y: number | null): number | null =>
  x === null ? y : y === null ? x : Math.min(x, y);
const maxOf = (x: number | null, y: number | null): number | null =>
  x === null ? y : y === null ? x : Math.max(x, y);
