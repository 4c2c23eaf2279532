import type { ProfileState } from './profile-state';

/**
 * What differs between two states of a profile, as paths: `identifiers`, `traits.<name>`,
 * `consent`, `device`, `activity.<name>`.
 */
export function changedFields(before: ProfileState, after: ProfileState): string[] {
  const changed: string[] = [];
  if (differ(before.identifiers, after.identifiers)) changed.push('identifiers');
  for (const key of unionKeys(before.traits, after.traits))
    if (differ(before.traits[key], after.traits[key])) changed.push(`traits.${key}`);
  if (differ(before.consent, after.consent)) changed.push('consent');
  if (differ(before.device, after.device)) changed.push('device');
  for (const key of unionKeys(before.activity, after.activity))
    if (differ(before.activity[key], after.activity[key])) changed.push(`activity.${key}`);
  return changed;
}

function unionKeys<T extends object>(a: T, b: T): (keyof T & string)[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort() as (keyof T & string)[];
}

function differ(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) !== JSON.stringify(b);
}
