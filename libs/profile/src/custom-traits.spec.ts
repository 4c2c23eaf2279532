import type { JsonObject, JsonValue } from '@tessera/contracts';
import { changedFields } from './changed-fields';
import {
  customTraitValue,
  InvalidComputedTraitError,
  parseComputedTrait,
  type ComputedTraitDefinition,
  newProfile,
} from './custom-traits';
import { foldEvents, mergeProfiles, ORDER_COMPLETED } from './fold-profile';
import type { ProfileEvent } from './profile-event';
import { aProfileEvent, HOUR, options, T } from './profile-event.fixture';
import { DAY_MS, dayOf, emptyProfile, MINOR_UNITS, type ProfileState } from './profile-state';

const MAX_WINDOW_DAYS = 90;

/** A count of `Order Completed` calls over the last 30 days, unless `overrides` say otherwise. */
const definition = (overrides: Partial<ComputedTraitDefinition> = {}): ComputedTraitDefinition => ({
  id: 'orders_30d',
  event: ORDER_COMPLETED,
  property: null,
  aggregate: 'count',
  withinDays: 30,
  ...overrides,
});

/** An all-time aggregate of the `revenue` property of `Order Completed` calls. */
const ofRevenue = (
  aggregate: ComputedTraitDefinition['aggregate'],
  overrides: Partial<ComputedTraitDefinition> = {},
): ComputedTraitDefinition =>
  definition({
    id: `revenue_${aggregate}`,
    property: 'revenue',
    aggregate,
    withinDays: null,
    ...overrides,
  });

const track = (event: string, at = T, properties: JsonObject = {}, messageId?: string) =>
  aProfileEvent({ type: 'track', event, at, properties, ...(messageId ? { messageId } : {}) });
const order = (properties: JsonObject = {}, at = T) => track(ORDER_COMPLETED, at, properties);
const orderWorth = (revenue: JsonValue, at = T) => order({ revenue }, at);

const foldOptions = (definitions: readonly ComputedTraitDefinition[]) => ({
  ...options,
  computedTraits: definitions,
});

/** The profile of `events`, new when the definitions were known: complete for them. */
const foldWith = (
  definitions: readonly ComputedTraitDefinition[],
  events: ProfileEvent[],
  start: ProfileState = newProfile(definitions),
): ProfileState => foldEvents(start, events, foldOptions(definitions));

/** The value of `trait` at `now` for the profile of `events`. */
const valueOf = (trait: ComputedTraitDefinition, events: ProfileEvent[], now = T) =>
  customTraitValue(foldWith([trait], events).custom, trait, now);

/** The error parseComputedTrait throws for `input`; fails the test when it does not throw. */
function parseError(input: unknown, maxWindowDays = MAX_WINDOW_DAYS): InvalidComputedTraitError {
  try {
    parseComputedTrait(input, maxWindowDays);
  } catch (error) {
    if (error instanceof InvalidComputedTraitError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be refused`);
}

const countInput = { id: 'orders_30d', event: ORDER_COMPLETED, aggregate: 'count', withinDays: 30 };

describe('parseComputedTrait', () => {
  describe('accepts', () => {
    it('accepts a count without a property, its property null', () => {
      expect(parseComputedTrait(countInput, MAX_WINDOW_DAYS)).toEqual(definition());
    });

    it.each(['sum', 'min', 'max', 'last'] as const)(
      'accepts %s with a property, returning it typed as given',
      (aggregate) => {
        const input = { id: 'revenue', event: ORDER_COMPLETED, property: 'revenue', aggregate };
        expect(parseComputedTrait({ ...input, withinDays: 7 }, MAX_WINDOW_DAYS)).toEqual({
          ...input,
          withinDays: 7,
        });
      },
    );

    // [test name, withinDays given, withinDays returned]
    it.each<[string, unknown, number | null]>([
      ['accepts withinDays null as all time', null, null],
      ['reads a missing withinDays as all time', undefined, null],
      ['accepts a window of 1 day', 1, 1],
      ['accepts a window of exactly maxWindowDays', MAX_WINDOW_DAYS, MAX_WINDOW_DAYS],
    ])('%s', (_, withinDays, expected) => {
      expect(parseComputedTrait({ ...countInput, withinDays }, MAX_WINDOW_DAYS).withinDays).toBe(
        expected,
      );
    });

    it('accepts an id of 64 characters', () => {
      const id = `a${'_'.repeat(62)}9`;
      expect(parseComputedTrait({ ...countInput, id }, MAX_WINDOW_DAYS).id).toBe(id);
    });
  });

  describe('refuses', () => {
    // [test name, input, the field the error names]
    it.each<[string, unknown, string]>([
      ['refuses a string in place of a definition', 'orders_30d', 'body'],
      ['refuses null', null, 'body'],
      ['refuses an array', [countInput], 'body'],
      ['refuses an unknown field, naming it', { ...countInput, window: 30 }, 'window'],
      ['refuses a missing id', { ...countInput, id: undefined }, 'id'],
      ['refuses an id with upper case', { ...countInput, id: 'Orders_30d' }, 'id'],
      ['refuses an id that starts with a digit', { ...countInput, id: '30d_orders' }, 'id'],
      ['refuses an id with a hyphen', { ...countInput, id: 'orders-30d' }, 'id'],
      ['refuses an id of 65 characters', { ...countInput, id: `a${'b'.repeat(64)}` }, 'id'],
      ['refuses an empty event name', { ...countInput, event: '' }, 'event'],
      ['refuses a missing event name', { ...countInput, event: undefined }, 'event'],
      ['refuses an unknown aggregate', { ...countInput, aggregate: 'avg' }, 'aggregate'],
      ['refuses a sum without a property', { ...countInput, aggregate: 'sum' }, 'property'],
      [
        'refuses a last with an empty property',
        { ...countInput, aggregate: 'last', property: '' },
        'property',
      ],
      ['refuses a count with a numeric property', { ...countInput, property: 3 }, 'property'],
      ['refuses a window of 0 days', { ...countInput, withinDays: 0 }, 'withinDays'],
      ['refuses a window of 1.5 days', { ...countInput, withinDays: 1.5 }, 'withinDays'],
      [
        'refuses a window longer than maxWindowDays',
        { ...countInput, withinDays: MAX_WINDOW_DAYS + 1 },
        'withinDays',
      ],
      ['refuses a window given as a string', { ...countInput, withinDays: '30' }, 'withinDays'],
    ])('%s', (_, input, path) => {
      expect(parseError(input).path).toBe(path);
    });

    it('refuses a window longer than the maxWindowDays given', () => {
      expect(parseError({ ...countInput, withinDays: 31 }, 30).path).toBe('withinDays');
    });

    it('names the field at the start of the error message', () => {
      expect(parseError({ ...countInput, aggregate: 'avg' }).message).toMatch(/^aggregate: /u);
    });
  });
});

describe('folding custom traits', () => {
  describe('count over a window', () => {
    const orders30d = definition();

    // [test name, how long before now the order was, whether the 30-day window counts it]
    it.each<[string, number, number]>([
      ['counts an order of today', HOUR, 1],
      ['counts an order 29 days before now', 29 * DAY_MS, 1],
      ['leaves out an order 30 days before now', 30 * DAY_MS, 0],
      ['leaves out an order 45 days before now', 45 * DAY_MS, 0],
    ])('%s', (_, before, expected) => {
      expect(valueOf(orders30d, [order({}, T - before)])).toBe(expected);
    });

    it('counts every order on the days of the window', () => {
      const events = [order({}, T - 31 * DAY_MS), order({}, T - 3 * DAY_MS), order(), order()];
      expect(valueOf(orders30d, events)).toBe(3);
    });

    it('counts events that lack the property of another definition', () => {
      const counted = definition({ property: 'revenue' });
      expect(valueOf(counted, [order(), orderWorth(5)])).toBe(2);
    });

    it('reads the window at now: orders leave it as days pass', () => {
      expect(valueOf(orders30d, [order({}, T - DAY_MS), order()], T + 29 * DAY_MS)).toBe(1);
    });

    it('is 0 for a new profile without events', () => {
      expect(customTraitValue(newProfile([orders30d]).custom, orders30d, T)).toBe(0);
    });
  });

  describe('sum', () => {
    const revenueSum = ofRevenue('sum');

    // [test name, revenues, their sum] 0.1 + 0.2 + 0.3 and 0.2 + 0.2 + 0.2 are 0.6000000000000001
    // in floating point; 0.1, 0.2 and 19.99 as unrounded ten-thousandths add up to 20.289999999999996.
    it.each<[string, number[], number]>([
      ['sums 0.1, 0.2 and 0.3 to exactly 0.6', [0.1, 0.2, 0.3], 0.6],
      ['sums 0.2 three times to exactly 0.6', [0.2, 0.2, 0.2], 0.6],
      ['sums 0.1, 0.2 and 19.99 to exactly 20.29', [0.1, 0.2, 19.99], 20.29],
    ])('%s', (_, revenues, expected) => {
      expect(
        valueOf(
          revenueSum,
          revenues.map((revenue) => orderWorth(revenue)),
        ),
      ).toBe(expected);
    });

    it('keeps the sum in ten-thousandths of a unit', () => {
      const profile = foldWith([revenueSum], [orderWorth(0.1), orderWorth(0.2), orderWorth(0.3)]);
      expect(profile.custom.revenue_sum.all.sumMinor).toBe(0.6 * MINOR_UNITS);
    });

    it('sums numeric strings as numbers', () => {
      expect(valueOf(revenueSum, [orderWorth('12.5'), orderWorth(7.5)])).toBe(20);
    });

    it('leaves out events without the property', () => {
      expect(valueOf(revenueSum, [orderWorth(10), order(), order({ total: 99 })])).toBe(10);
    });

    it('leaves out values that are neither numbers nor numeric strings', () => {
      const events = [orderWorth(10), orderWorth('ten'), orderWorth(''), orderWorth(true)];
      expect(valueOf(revenueSum, events)).toBe(10);
    });

    it('is 0 when no event has the property', () => {
      expect(valueOf(revenueSum, [order(), order()])).toBe(0);
    });

    it('sums only the days of its window', () => {
      const windowed = ofRevenue('sum', { withinDays: 7 });
      expect(valueOf(windowed, [orderWorth(100, T - 7 * DAY_MS), orderWorth(5)])).toBe(5);
    });
  });

  describe('min and max', () => {
    const events = () => [orderWorth(5), orderWorth(-2), orderWorth('9'), order()];

    it('min is the smallest value', () => {
      expect(valueOf(ofRevenue('min'), events())).toBe(-2);
    });

    it('max is the largest value, a numeric string read as a number', () => {
      expect(valueOf(ofRevenue('max'), events())).toBe(9);
    });

    it('min is null when no event has the property', () => {
      expect(valueOf(ofRevenue('min'), [order()])).toBeNull();
    });

    it('max is null when no event has the property', () => {
      expect(valueOf(ofRevenue('max'), [order()])).toBeNull();
    });

    it('max leaves out values of days outside its window', () => {
      const windowed = ofRevenue('max', { withinDays: 30 });
      expect(valueOf(windowed, [orderWorth(500, T - 30 * DAY_MS), orderWorth(20)])).toBe(20);
    });
  });

  describe('last', () => {
    const lastPlan = definition({
      id: 'last_plan',
      event: 'Plan Chosen',
      property: 'plan',
      aggregate: 'last',
      withinDays: null,
    });
    const chosen = (plan: JsonValue | undefined, at: number, messageId?: string) =>
      track('Plan Chosen', at, plan === undefined ? {} : { plan }, messageId);

    it('is the value of the latest event by time, whatever the fold order', () => {
      const events = [chosen('team', T), chosen('pro', T - HOUR), chosen('free', T - 2 * HOUR)];
      expect(valueOf(lastPlan, events)).toBe('team');
    });

    it('breaks a tie in time by the greater messageId', () => {
      const events = [chosen('pro', T, 'm-b'), chosen('free', T, 'm-a')];
      expect(valueOf(lastPlan, events)).toBe('pro');
    });

    it('breaks a tie in time the same way in the other fold order', () => {
      const events = [chosen('free', T, 'm-a'), chosen('pro', T, 'm-b')];
      expect(valueOf(lastPlan, events)).toBe('pro');
    });

    it('keeps the value of an earlier event over a later event without the property', () => {
      expect(valueOf(lastPlan, [chosen('pro', T - HOUR), chosen(undefined, T)])).toBe('pro');
    });

    it('is null when no event has the property', () => {
      expect(valueOf(lastPlan, [chosen(undefined, T)])).toBeNull();
    });
  });

  describe('all time', () => {
    const ordersEver = definition({ id: 'orders_ever', withinDays: null });

    it('counts events of any age', () => {
      expect(valueOf(ordersEver, [order({}, T - 400 * DAY_MS), order()])).toBe(2);
    });

    it('keeps its events in the single bucket all', () => {
      const profile = foldWith([ordersEver], [order({}, T - 400 * DAY_MS), order()]);
      expect(Object.keys(profile.custom.orders_ever)).toEqual(['all']);
    });
  });

  describe('events it ignores', () => {
    const orders30d = definition();

    it('ignores track calls of other event names', () => {
      expect(valueOf(orders30d, [track('Product Viewed'), track('order completed')])).toBe(0);
    });

    it('ignores calls other than track, even carrying the event name', () => {
      const page = aProfileEvent({ type: 'page', event: ORDER_COMPLETED });
      expect(valueOf(orders30d, [page, aProfileEvent()])).toBe(0);
    });

    it('adds no bucket for an ignored event', () => {
      const profile = foldWith([orders30d], [track('Product Viewed'), aProfileEvent()]);
      expect(profile.custom).toEqual({ orders_30d: {} });
    });
  });

  describe('completeness', () => {
    const orders30d = definition();
    const revenueSum = ofRevenue('sum');
    const both = [orders30d, revenueSum];

    it('has no value for a profile folded from emptyProfile(), of unknown history', () => {
      const profile = foldWith([orders30d], [order()], emptyProfile());
      expect(customTraitValue(profile.custom, orders30d, T)).toBeUndefined();
    });

    it('gives an incomplete profile when a complete one merges with an incomplete one', () => {
      const complete = foldWith([orders30d], [order(), order()]);
      const incomplete = foldWith([orders30d], [order({}, T - HOUR)], emptyProfile());
      const merged = mergeProfiles(complete, incomplete, foldOptions([orders30d]));
      expect(customTraitValue(merged.custom, orders30d, T)).toBeUndefined();
    });

    it('gives an incomplete profile when an incomplete one merges with a complete one', () => {
      const complete = foldWith([orders30d], [order(), order()]);
      const incomplete = foldWith([orders30d], [order({}, T - HOUR)], emptyProfile());
      const merged = mergeProfiles(incomplete, complete, foldOptions([orders30d]));
      expect(customTraitValue(merged.custom, orders30d, T)).toBeUndefined();
    });

    it('keeps only the definitions complete on both sides of a merge', () => {
      const a = foldWith(both, [orderWorth(10)]);
      const b = foldWith(both, [orderWorth(20)], newProfile([revenueSum]));
      expect(Object.keys(mergeProfiles(a, b, foldOptions(both)).custom)).toEqual(['revenue_sum']);
    });

    it('adds the buckets of two complete profiles when they merge', () => {
      const a = foldWith(both, [orderWorth(10, T - DAY_MS), orderWorth(1)]);
      const b = foldWith(both, [orderWorth(20, T - DAY_MS), order({}, T - 2 * DAY_MS)]);
      const merged = mergeProfiles(a, b, foldOptions(both));
      expect(merged.custom.orders_30d).toEqual({
        [String(dayOf(T) - 2)]: { count: 1, sumMinor: 0, min: null, max: null, last: null },
        [String(dayOf(T) - 1)]: { count: 2, sumMinor: 0, min: null, max: null, last: null },
        [String(dayOf(T))]: { count: 1, sumMinor: 0, min: null, max: null, last: null },
      });
    });

    it('gives two merged complete profiles the values of all their events', () => {
      const a = foldWith(both, [orderWorth(10, T - DAY_MS), orderWorth(1)]);
      const b = foldWith(both, [orderWorth(20, T - DAY_MS), order({}, T - 2 * DAY_MS)]);
      const { custom } = mergeProfiles(a, b, foldOptions(both));
      expect([
        customTraitValue(custom, orders30d, T),
        customTraitValue(custom, revenueSum, T),
      ]).toEqual([4, 31]);
    });
  });

  describe('retention', () => {
    const orders30d = definition();
    const bucketDays = (profile: ProfileState) => Object.keys(profile.custom.orders_30d);

    it('drops per-day buckets older than dailyRetentionDays before the last-seen day', () => {
      const events = [order({}, T - 91 * DAY_MS), order({}, T - 90 * DAY_MS), order()];
      expect(bucketDays(foldWith([orders30d], events))).toEqual([
        String(dayOf(T) - 90),
        String(dayOf(T)),
      ]);
    });

    it('drops a bucket once a later call of any kind moves the last-seen day on', () => {
      const later = aProfileEvent({ type: 'identify', at: T + 85 * DAY_MS });
      expect(bucketDays(foldWith([orders30d], [order({}, T - 10 * DAY_MS), later]))).toEqual([]);
    });

    it('keeps the all-time bucket however old its events are', () => {
      const ordersEver = definition({ id: 'orders_ever', withinDays: null });
      const profile = foldWith([ordersEver], [order({}, T - 400 * DAY_MS)]);
      const later = foldWith([ordersEver], [aProfileEvent({ at: T + 400 * DAY_MS })], profile);
      expect(customTraitValue(later.custom, ordersEver, T + 400 * DAY_MS)).toBe(1);
    });
  });
});

describe('changedFields with custom traits', () => {
  const orders30d = definition();
  const views30d = definition({ id: 'views_30d', event: 'Product Viewed' });
  const both = [orders30d, views30d];
  const before = foldWith(both, [order({}, T - HOUR), track('Product Viewed', T - HOUR)]);
  const customFields = (fields: string[]) => fields.filter((f) => f.startsWith('customTraits.'));

  it('lists customTraits.<id> of the trait whose bucket an event changed, and no other', () => {
    const after = foldWith(both, [order()], before);
    expect(customFields(changedFields(before, after))).toEqual(['customTraits.orders_30d']);
  });

  it('lists no custom trait for an event none of them counts', () => {
    const after = foldWith(both, [aProfileEvent({ traits: { plan: 'pro' } })], before);
    expect(customFields(changedFields(before, after))).toEqual([]);
  });

  it('lists a custom trait that a merge with an incomplete profile dropped', () => {
    const incomplete = foldWith(both, [aProfileEvent()], newProfile([views30d]));
    const after = mergeProfiles(before, incomplete, foldOptions(both));
    expect(customFields(changedFields(before, after))).toEqual(['customTraits.orders_30d']);
  });
});

describe('names that are also built-in object properties', () => {
  it('gives a trait called constructor no value before its profile is complete', () => {
    const trait = definition({ id: 'constructor' });
    expect(customTraitValue({}, trait, T)).toBeUndefined();
  });

  it('drops a definition called constructor when one side of a merge lacks it, in either order', () => {
    const trait = definition({ id: 'constructor', withinDays: null });
    const complete = foldWith([trait], [order()]);
    const unknown = foldEvents(emptyProfile(), [order()], foldOptions([trait]));
    const opts = foldOptions([trait]);
    expect(mergeProfiles(complete, unknown, opts).custom).toEqual({});
    expect(mergeProfiles(unknown, complete, opts).custom).toEqual({});
  });

  it('does not read a property called toString that the event does not have', () => {
    expect(valueOf(ofRevenue('last', { property: 'toString' }), [order({})])).toBeNull();
  });
});
