import type { JsonValue } from '@tessera/contracts';
import type { ProfileEvent } from './profile-event';
import {
  dayOf,
  emptyProfile,
  isLater,
  MINOR_UNITS,
  type ProfileState,
  type Stamp,
} from './profile-state';

export const AGGREGATES = ['count', 'sum', 'min', 'max', 'last'] as const;
export type Aggregate = (typeof AGGREGATES)[number];

/**
 * A computed trait users define: the count of an event, or the sum / min / max / last value of
 * one of its properties, over the last `withinDays` UTC days (today included) or all time.
 */
export interface ComputedTraitDefinition {
  id: string;
  /**
   * Where its buckets live in a profile; the id unless given. A store gives each version of a
   * definition its own key, so a trait deleted and defined again never adds to the old buckets.
   */
  key?: string;
  event: string;
  /** The property aggregated; null for a count. */
  property: string | null;
  aggregate: Aggregate;
  /** null: all time. */
  withinDays: number | null;
}

/** What one UTC day (or, for all-time traits, all time) of an event contributes. */
export interface Bucket {
  count: number;
  /** Sum of the numeric values in ten-thousandths, exact in any order. */
  sumMinor: number;
  min: number | null;
  max: number | null;
  last: (Stamp & { value: JsonValue }) | null;
}

/**
 * Per definition (its bucket key): its buckets by UTC day number (or `all`). A definition is present only when
 * its buckets hold every event of the profile (it was known when they were folded, or the profile
 * was backfilled from its timeline); merging keeps the definitions present on both sides.
 */
export type CustomTraitState = Record<string, Record<string, Bucket>>;

export class InvalidComputedTraitError extends Error {
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`${path}: ${problem}`);
    this.name = 'InvalidComputedTraitError';
  }
}

const TRAIT_ID = /^[a-z][a-z0-9_]{0,63}$/;

/** Where a definition's buckets live in CustomTraitState. */
export function bucketKeyOf(definition: ComputedTraitDefinition): string {
  return definition.key ?? definition.id;
}

/** Checks a definition given as JSON; throws naming the first problem. */
export function parseComputedTrait(input: unknown, maxWindowDays: number): ComputedTraitDefinition {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new InvalidComputedTraitError('body', 'must be an object');
  const body = input as Record<string, unknown>;
  const extra = Object.keys(body).find(
    (key) => !['id', 'event', 'property', 'aggregate', 'withinDays'].includes(key),
  );
  if (extra) throw new InvalidComputedTraitError(extra, 'is not a field of a computed trait');
  if (typeof body.id !== 'string' || !TRAIT_ID.test(body.id))
    throw new InvalidComputedTraitError(
      'id',
      'must be snake_case: a-z, 0-9 and _, from a letter, at most 64',
    );
  if (typeof body.event !== 'string' || body.event === '')
    throw new InvalidComputedTraitError('event', 'must be an event name');
  if (!(AGGREGATES as readonly unknown[]).includes(body.aggregate))
    throw new InvalidComputedTraitError('aggregate', `must be one of ${AGGREGATES.join(', ')}`);
  const aggregate = body.aggregate as Aggregate;
  const property = body.property ?? null;
  if (aggregate !== 'count' && (typeof property !== 'string' || property === ''))
    throw new InvalidComputedTraitError('property', `is required for ${aggregate}`);
  if (property !== null && typeof property !== 'string')
    throw new InvalidComputedTraitError('property', 'must be a property name');
  const days = body.withinDays ?? null;
  if (
    days !== null &&
    (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > maxWindowDays)
  )
    throw new InvalidComputedTraitError(
      'withinDays',
      `must be null (all time) or a whole number of days from 1 to ${maxWindowDays} (ENRICHMENT_DAILY_RETENTION_DAYS)`,
    );
  return { id: body.id, event: body.event, property, aggregate, withinDays: days };
}

/** The buckets one event gives every definition (empty for those it does not match). */
export function customOf(
  event: ProfileEvent,
  definitions: readonly ComputedTraitDefinition[],
): CustomTraitState {
  return Object.fromEntries(
    definitions.map((definition) => {
      if (event.type !== 'track' || event.event !== definition.event)
        return [bucketKeyOf(definition), {}];
      const raw =
        definition.property !== null && Object.hasOwn(event.properties, definition.property)
          ? event.properties[definition.property]
          : undefined;
      const number = numberOf(raw);
      const key = definition.withinDays === null ? 'all' : String(dayOf(event.at));
      const bucket: Bucket = {
        count: 1,
        sumMinor: number === null ? 0 : Math.round(number * MINOR_UNITS),
        min: number,
        max: number,
        last: raw === undefined ? null : { at: event.at, messageId: event.messageId, value: raw },
      };
      return [bucketKeyOf(definition), { [key]: bucket }];
    }),
  );
}

/** Definitions complete on both sides, their buckets added; days before `firstKept` dropped. */
export function mergeCustom(
  a: CustomTraitState,
  b: CustomTraitState,
  firstKept: number | null,
): CustomTraitState {
  const merged = new Map<string, Record<string, Bucket>>();
  for (const id of Object.keys(a).sort()) {
    if (!Object.hasOwn(b, id)) continue;
    const buckets = new Map(Object.entries(a[id]));
    for (const [key, bucket] of Object.entries(b[id])) {
      const known = buckets.get(key);
      buckets.set(key, known ? mergeBucket(known, bucket) : bucket);
    }
    merged.set(
      id,
      Object.fromEntries(
        [...buckets]
          .filter(([key]) => key === 'all' || firstKept === null || Number(key) >= firstKept)
          .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)),
      ),
    );
  }
  return Object.fromEntries(merged);
}

/** The value of a computed trait at `now`; undefined while its profile is not backfilled yet. */
export function customTraitValue(
  custom: CustomTraitState,
  definition: ComputedTraitDefinition,
  now: number,
): JsonValue | undefined {
  const key = bucketKeyOf(definition);
  if (!Object.hasOwn(custom, key)) return undefined;
  const buckets = custom[key];
  const today = dayOf(now);
  const inWindow = Object.entries(buckets)
    .filter(([key]) =>
      definition.withinDays === null
        ? key === 'all'
        : Number(key) > today - definition.withinDays && Number(key) <= today,
    )
    .map(([, bucket]) => bucket);
  const total = inWindow.reduce<Bucket | null>(
    (sum, bucket) => (sum ? mergeBucket(sum, bucket) : bucket),
    null,
  );
  switch (definition.aggregate) {
    case 'count':
      return total?.count ?? 0;
    case 'sum':
      return (total?.sumMinor ?? 0) / MINOR_UNITS;
    case 'min':
      return total?.min ?? null;
    case 'max':
      return total?.max ?? null;
    default:
      return total?.last?.value ?? null;
  }
}

function mergeBucket(a: Bucket, b: Bucket): Bucket {
  return {
    count: a.count + b.count,
    sumMinor: a.sumMinor + b.sumMinor,
    min: a.min === null ? b.min : b.min === null ? a.min : Math.min(a.min, b.min),
    max: a.max === null ? b.max : b.max === null ? a.max : Math.max(a.max, b.max),
    last:
      a.last === null
        ? b.last
        : b.last === null
          ? a.last
          : isLater(b.last, a.last) ||
              (!isLater(a.last, b.last) && JSON.stringify(b.last) > JSON.stringify(a.last))
            ? b.last
            : a.last,
  };
}

function numberOf(value: JsonValue | undefined): number | null {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) ? number : null;
}

/**
 * The buckets of these definitions over a profile's whole history (its timeline), for a profile
 * that had none of them: a trait defined after the profile's first events.
 */
export function customOfHistory(
  events: readonly ProfileEvent[],
  definitions: readonly ComputedTraitDefinition[],
  firstKept: number | null,
): CustomTraitState {
  const complete: CustomTraitState = Object.fromEntries(
    definitions.map((d) => [bucketKeyOf(d), {}]),
  );
  return events.reduce(
    (custom, event) => mergeCustom(custom, customOf(event, definitions), firstKept),
    complete,
  );
}

/**
 * A profile with no events yet, whose computed traits are complete for these definitions (a new
 * profile; emptyProfile() is complete for none, as a profile of unknown history must be).
 */
export function newProfile(definitions: readonly ComputedTraitDefinition[]): ProfileState {
  return {
    ...emptyProfile(),
    custom: Object.fromEntries(definitions.map((d) => [bucketKeyOf(d), {}])),
  };
}
