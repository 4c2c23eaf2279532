import type { JsonValue } from '@tessera/contracts';
import {
  computedTraits as builtInTraits,
  countInWindow,
  type ComputedTraits,
} from './computed-traits';
import { customTraitValue, type ComputedTraitDefinition } from './custom-traits';
import type { ProfileState } from './profile-state';

export const COMPARISONS = [
  'eq',
  'neq',
  'gt',
  'gte',
  'lt',
  'lte',
  'in',
  'contains',
  'exists',
] as const;
export type Comparison = (typeof COMPARISONS)[number];

const NUMERIC_COMPUTED = [
  'eventCount',
  'firstSeen',
  'lastSeen',
  'daysSinceLastSeen',
  'orderCount',
  'revenueTotal',
  'averageOrderValue',
  'lastOrderAt',
] as const satisfies readonly (keyof ComputedTraits)[];
export type ComputedName = (typeof NUMERIC_COMPUTED)[number];

/**
 * An audience's rule, as JSON:
 * - `{ "and": [..] }`, `{ "or": [..] }`, `{ "not": .. }`
 * - `{ "trait": "country", "op": "eq", "value": "DE" }` (a nested trait as `address.city`)
 * - `{ "computed": "orderCount", "op": "gte", "value": 3 }`
 * - `{ "event": "Order Completed", "withinDays": 30, "op": "gte", "value": 3 }`: track calls of
 *   that name on the last `withinDays` UTC days, today included
 * - `{ "custom": "orders_90d", "op": "gte", "value": 2 }`: a user-defined computed trait
 */
export type AudienceCondition =
  | { and: AudienceCondition[] }
  | { or: AudienceCondition[] }
  | { not: AudienceCondition }
  | { trait: string; op: Comparison; value?: JsonValue }
  | { computed: ComputedName; op: Comparison; value?: JsonValue }
  | { event: string; withinDays: number; op: Comparison; value: number }
  | { custom: string; op: Comparison; value?: JsonValue };

/** A rule that cannot be used, and where in it the problem is. */
export class InvalidAudienceConditionError extends Error {
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`${path}: ${problem}`);
    this.name = 'InvalidAudienceConditionError';
  }
}

export interface ConditionLimits {
  /** Longest event window: the days of per-day counts a profile keeps. */
  maxWindowDays: number;
}

const MAX_DEPTH = 16;

/** Checks a rule given as JSON and returns it typed; throws naming the first problem. */
export function parseAudienceCondition(
  input: unknown,
  limits: ConditionLimits,
  path = 'condition',
  depth = 0,
): AudienceCondition {
  if (depth > MAX_DEPTH)
    throw new InvalidAudienceConditionError(path, `nested deeper than ${MAX_DEPTH}`);
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new InvalidAudienceConditionError(path, 'must be an object');
  const node = input as Record<string, unknown>;
  const kinds = ['and', 'or', 'not', 'trait', 'computed', 'event', 'custom'].filter(
    (kind) => kind in node,
  );
  if (kinds.length !== 1)
    throw new InvalidAudienceConditionError(
      path,
      'must have exactly one of and, or, not, trait, computed, event, custom',
    );
  const [kind] = kinds;
  if (kind === 'and' || kind === 'or') {
    const items = node[kind];
    if (!Array.isArray(items) || items.length === 0)
      throw new InvalidAudienceConditionError(`${path}.${kind}`, 'must be a non-empty array');
    onlyKeys(node, [kind], path);
    const parsed = items.map((item, n) =>
      parseAudienceCondition(item, limits, `${path}.${kind}[${n}]`, depth + 1),
    );
    return kind === 'and' ? { and: parsed } : { or: parsed };
  }
  if (kind === 'not') {
    onlyKeys(node, ['not'], path);
    return { not: parseAudienceCondition(node.not, limits, `${path}.not`, depth + 1) };
  }
  const op = comparisonOf(node.op, `${path}.op`);
  if (op !== 'exists' && !('value' in node))
    throw new InvalidAudienceConditionError(`${path}.value`, `is required with op ${op}`);
  if (op === 'in' && !Array.isArray(node.value))
    throw new InvalidAudienceConditionError(`${path}.value`, 'must be an array with op in');
  const value = node.value as JsonValue | undefined;
  if (op === 'exists' && 'value' in node && typeof value !== 'boolean')
    throw new InvalidAudienceConditionError(`${path}.value`, 'with op exists is true or false');
  if (kind === 'trait') {
    onlyKeys(node, ['trait', 'op', 'value'], path);
    if (typeof node.trait !== 'string' || node.trait === '')
      throw new InvalidAudienceConditionError(`${path}.trait`, 'must be a trait name');
    return { trait: node.trait, op, value };
  }
  if (kind === 'custom') {
    onlyKeys(node, ['custom', 'op', 'value'], path);
    if (typeof node.custom !== 'string' || node.custom === '')
      throw new InvalidAudienceConditionError(`${path}.custom`, 'must be a computed trait id');
    return { custom: node.custom, op, value };
  }
  if (kind === 'computed') {
    onlyKeys(node, ['computed', 'op', 'value'], path);
    if (!(NUMERIC_COMPUTED as readonly unknown[]).includes(node.computed))
      throw new InvalidAudienceConditionError(
        `${path}.computed`,
        `must be one of ${NUMERIC_COMPUTED.join(', ')}`,
      );
    if (op === 'contains')
      throw new InvalidAudienceConditionError(
        `${path}.op`,
        'a computed trait is a number: contains does not apply',
      );
    numericValue(op, value, path);
    return { computed: node.computed as ComputedName, op, value };
  }
  onlyKeys(node, ['event', 'withinDays', 'op', 'value'], path);
  if (typeof node.event !== 'string' || node.event === '')
    throw new InvalidAudienceConditionError(`${path}.event`, 'must be an event name');
  const days = node.withinDays;
  if (
    typeof days !== 'number' ||
    !Number.isInteger(days) ||
    days < 1 ||
    days > limits.maxWindowDays
  )
    throw new InvalidAudienceConditionError(
      `${path}.withinDays`,
      `must be a whole number of days from 1 to ${limits.maxWindowDays} (ENRICHMENT_DAILY_RETENTION_DAYS)`,
    );
  if (op === 'exists' || op === 'in' || op === 'contains')
    throw new InvalidAudienceConditionError(
      `${path}.op`,
      'an event count compares with eq, neq, gt, gte, lt or lte',
    );
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
    throw new InvalidAudienceConditionError(`${path}.value`, 'must be a whole number of events');
  return { event: node.event, withinDays: days, op, value };
}

/**
 * Whether a profile meets the rule at `now`. A computed trait the profile has no value of yet (an
 * unknown id, or a profile not backfilled yet) meets only `neq` and `exists: false`.
 */
export function meetsCondition(
  condition: AudienceCondition,
  profile: ProfileState,
  now: number,
  computedTraits: readonly ComputedTraitDefinition[] = [],
): boolean {
  const meets = (item: AudienceCondition) => meetsCondition(item, profile, now, computedTraits);
  if ('and' in condition) return condition.and.every(meets);
  if ('or' in condition) return condition.or.some(meets);
  if ('not' in condition) return !meets(condition.not);
  if ('custom' in condition) {
    const definition = computedTraits.find((d) => d.id === condition.custom);
    const value = definition && customTraitValue(profile.custom, definition, now);
    return compare(value, condition.op, condition.value);
  }
  if ('trait' in condition)
    return compare(traitValue(profile, condition.trait), condition.op, condition.value);
  if ('computed' in condition)
    return compare(builtInTraits(profile, now)[condition.computed], condition.op, condition.value);
  return compare(
    countInWindow(profile, condition.event, condition.withinDays, now),
    condition.op,
    condition.value,
  );
}

/**
 * Whether the rule can change its answer with time alone (an event window, days since last
 * seen). Windows are whole UTC days, so such a rule changes only at midnight UTC.
 */
export function dependsOnTime(condition: AudienceCondition): boolean {
  if ('and' in condition) return condition.and.some(dependsOnTime);
  if ('or' in condition) return condition.or.some(dependsOnTime);
  if ('not' in condition) return dependsOnTime(condition.not);
  if ('event' in condition) return true;
  // A user-defined trait over a window changes at midnight too; which ones do is known only with
  // their definitions, so every custom condition counts as time-dependent.
  if ('custom' in condition) return true;
  return 'computed' in condition && condition.computed === 'daysSinceLastSeen';
}

function traitValue(profile: ProfileState, name: string): JsonValue | undefined {
  if (Object.hasOwn(profile.traits, name)) return profile.traits[name].value;
  const [head, ...rest] = name.split('.');
  let value: JsonValue | undefined = Object.hasOwn(profile.traits, head)
    ? profile.traits[head].value
    : undefined;
  for (const key of rest)
    value =
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      Object.hasOwn(value, key)
        ? value[key]
        : undefined;
  return value;
}

function compare(
  actual: JsonValue | undefined,
  op: Comparison,
  expected: JsonValue | undefined,
): boolean {
  const present = actual !== undefined && actual !== null;
  switch (op) {
    case 'exists':
      return expected === false ? !present : present;
    case 'eq':
      return present && same(actual, expected);
    case 'neq':
      return !present || !same(actual, expected);
    case 'in':
      return present && Array.isArray(expected) && expected.some((item) => same(actual, item));
    case 'contains':
      if (typeof actual === 'string' && typeof expected === 'string')
        return actual.includes(expected);
      return Array.isArray(actual) && actual.some((item) => same(item, expected));
    default:
      return present && ordered(actual, op, expected);
  }
}

function ordered(actual: JsonValue, op: Comparison, expected: JsonValue | undefined): boolean {
  const comparable =
    (typeof actual === 'number' && typeof expected === 'number') ||
    (typeof actual === 'string' && typeof expected === 'string');
  if (!comparable) return false;
  const [a, b] = [actual, expected] as [number | string, number | string];
  if (op === 'gt') return a > b;
  if (op === 'gte') return a >= b;
  if (op === 'lt') return a < b;
  return a <= b;
}

/** Equal as JSON values: objects are equal whatever the order of their keys. */
function same(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: JsonValue | undefined): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null)
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'undefined';
}

function comparisonOf(op: unknown, path: string): Comparison {
  if (!(COMPARISONS as readonly unknown[]).includes(op))
    throw new InvalidAudienceConditionError(path, `must be one of ${COMPARISONS.join(', ')}`);
  return op as Comparison;
}

function numericValue(op: Comparison, value: JsonValue | undefined, path: string): void {
  if (op === 'exists') return;
  const values = op === 'in' && Array.isArray(value) ? value : [value];
  if (!values.every((item) => typeof item === 'number' && Number.isFinite(item)))
    throw new InvalidAudienceConditionError(
      `${path}.value`,
      op === 'in' ? 'must be an array of numbers' : 'must be a number',
    );
}

function onlyKeys(node: Record<string, unknown>, allowed: string[], path: string): void {
  const extra = Object.keys(node).find((key) => !allowed.includes(key));
  if (extra)
    throw new InvalidAudienceConditionError(`${path}.${extra}`, 'is not a field of this condition');
}
