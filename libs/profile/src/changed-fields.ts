import type { Activity, ProfileState } from './profile-state';

/** The published computed traits each part of the activity feeds (per-day counts feed none). */
const COMPUTED_OF: Partial<Record<keyof Activity, string[]>> = {
  eventCount: ['eventCount'],
  firstSeen: ['firstSeen'],
  lastSeen: ['lastSeen'],
  callCounts: ['callCounts'],
  eventCounts: ['eventCounts'],
  orderCount: ['orderCount', 'averageOrderValue'],
  revenueMinor: ['revenueTotal', 'averageOrderValue'],
  lastOrderAt: ['lastOrderAt'],
};

/**
 * What differs between two states of a profile, named as the profile snapshot names it:
 * `identifiers`, `traits.<name>`, `consent`, `device`, `computed.<name>`, `customTraits.<id>`.
 */
export function changedFields(before: ProfileState, after: ProfileState): string[] {
  const changed: string[] = [];
  if (differ(before.identifiers, after.identifiers)) changed.push('identifiers');
  for (const key of unionKeys(before.traits, after.traits))
    if (differ(before.traits[key], after.traits[key])) changed.push(`traits.${key}`);
  if (differ(before.consent, after.consent)) changed.push('consent');
  if (differ(before.device, after.device)) changed.push('device');
  for (const key of unionKeys(before.activity, after.activity))
    if (differ(before.activity[key], after.activity[key]))
      changed.push(...(COMPUTED_OF[key] ?? []).map((name) => `computed.${name}`));
  for (const id of unionKeys(before.custom, after.custom))
    if (differ(before.custom[id], after.custom[id])) changed.push(`customTraits.${id}`);
  return [...new Set(changed)];
}

function unionKeys<T extends object>(a: T, b: T): (keyof T & string)[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort() as (keyof T & string)[];
}

function differ(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) !== JSON.stringify(b);
}
