import type { Event, JsonObject } from '@tessera/contracts';
import { anEvent } from '@tessera/testing';

/**
 * A reproducible stream of customers' events: each customer has a user id, two anonymous ids
 * (browsers), an email and a device; an event carries some of them, and about one in ten also
 * carries an identifier of another customer, so profiles link and merge into larger components.
 */
export function stream(seed: number, count: number, tag: string): Event[] {
  let state = seed;
  const next = (n: number) => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 1;
    return state % n;
  };
  const customers = Math.max(2, Math.round(count / 8));
  const ids = (c: number) => ({
    user: `u${c}-${tag}`,
    anon: `a${c}.${next(2)}-${tag}`,
    email: `e${c}-${tag}@example.org`,
    device: `d${c}-${tag}`,
  });
  return Array.from({ length: count }, (_, n) => {
    const own = ids(next(customers));
    const other = ids(next(customers));
    const linking = next(10) === 0;
    const context: JsonObject = {};
    if (next(3) === 0) context.traits = { email: linking && next(2) ? other.email : own.email };
    if (next(4) === 0) context.device = { id: linking && next(2) ? other.device : own.device };
    const known = next(3) > 0;
    return anEvent({
      messageId: `${tag}-${n}`,
      userId: known ? own.user : null,
      anonymousId: known && next(2) ? null : linking ? other.anon : own.anon,
      context,
    });
  });
}

/** The identifier keys each event carries (what the graph links), as the service reads them. */
export function keysOf(event: Event): string[] {
  const keys: string[] = [];
  if (event.userId) keys.push(`user_id:${event.userId}`);
  if (event.anonymousId) keys.push(`anonymous_id:${event.anonymousId}`);
  const traits = event.context?.traits as { email?: string } | undefined;
  if (traits?.email) keys.push(`email:${traits.email}`);
  const device = event.context?.device as { id?: string } | undefined;
  if (device?.id) keys.push(`device_id:${device.id}`);
  return keys;
}

/** Same partition of keys into groups, whatever the group names. */
export function samePartition(actual: Map<string, string>, expected: Map<string, string>): boolean {
  if (actual.size !== expected.size) return false;
  const pairs = new Map<string, string>();
  for (const [key, group] of expected) {
    const mapped = actual.get(key);
    if (mapped === undefined) return false;
    const seen = pairs.get(group);
    if (seen === undefined) pairs.set(group, mapped);
    else if (seen !== mapped) return false;
  }
  return new Set(pairs.values()).size === pairs.size;
}
