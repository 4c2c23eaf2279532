import { newProfile } from './custom-traits';
import type { JsonObject } from '@tessera/contracts';
import {
  dependsOnTime,
  InvalidAudienceConditionError,
  meetsCondition,
  parseAudienceCondition,
  type AudienceCondition,
  type ConditionLimits,
} from './audience-condition';
import type { ComputedTraitDefinition } from './custom-traits';
import { foldEvents, ORDER_COMPLETED, profileOf } from './fold-profile';
import type { ProfileEvent } from './profile-event';
import { aProfileEvent, HOUR, options, T } from './profile-event.fixture';
import { DAY_MS, emptyProfile, type ProfileState } from './profile-state';

const limits: ConditionLimits = { maxWindowDays: 90 };

const identify = (traits: JsonObject, at = T) => aProfileEvent({ type: 'identify', traits, at });
const track = (event: string, at = T, properties: JsonObject = {}) =>
  aProfileEvent({ type: 'track', event, at, properties });
const order = (revenue: number, at = T) => track(ORDER_COMPLETED, at, { revenue });

const fold = (events: ProfileEvent[]): ProfileState => foldEvents(emptyProfile(), events, options);
const withTraits = (traits: JsonObject): ProfileState => profileOf(identify(traits), options);

/** The error parseAudienceCondition throws for `input`; fails the test when it does not throw. */
function parseError(
  input: unknown,
  given: ConditionLimits = limits,
): InvalidAudienceConditionError {
  try {
    parseAudienceCondition(input, given);
  } catch (error) {
    if (error instanceof InvalidAudienceConditionError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be refused`);
}

/** `condition` wrapped in `levels` nots. */
function nestedNots(levels: number, condition: unknown): unknown {
  let node = condition;
  for (let n = 0; n < levels; n += 1) node = { not: node };
  return node;
}

const plan = { trait: 'plan', op: 'eq', value: 'pro' } as const;

describe('parseAudienceCondition', () => {
  describe('accepts', () => {
    // [test name, an input that parses to itself]
    it.each<[string, unknown]>([
      ['returns a trait condition typed as given', { trait: 'plan', op: 'eq', value: 'pro' }],
      ['accepts op exists without a value', { trait: 'email', op: 'exists' }],
      [
        'returns a computed condition typed as given',
        { computed: 'orderCount', op: 'gte', value: 3 },
      ],
      [
        'returns an event condition typed as given',
        { event: 'Order Completed', withinDays: 30, op: 'gte', value: 3 },
      ],
      [
        'accepts a window of exactly limits.maxWindowDays',
        { event: 'Page Viewed', withinDays: 90, op: 'gt', value: 0 },
      ],
      [
        'returns an and of its parsed items',
        { and: [plan, { computed: 'revenueTotal', op: 'gt', value: 100 }] },
      ],
      [
        'returns an or of its parsed items',
        { or: [plan, { trait: 'country', op: 'in', value: ['DE', 'AT'] }] },
      ],
      ['returns a not of its parsed item', { not: plan }],
      [
        'returns nested combinations of every kind',
        {
          and: [
            { or: [plan, { not: { trait: 'email', op: 'exists' } }] },
            { not: { and: [{ computed: 'daysSinceLastSeen', op: 'lte', value: 6 }] } },
            { event: 'Page Viewed', withinDays: 7, op: 'gte', value: 2 },
          ],
        },
      ],
      ['accepts 16 levels of nesting', nestedNots(16, plan)],
      ['returns a custom condition typed as given', { custom: 'orders_30d', op: 'gte', value: 2 }],
      ['accepts op exists on a custom condition', { custom: 'last_plan', op: 'exists' }],
    ])('%s', (_, input) => {
      const expected = structuredClone(input);
      expect(parseAudienceCondition(input, limits)).toEqual(expected);
    });
  });

  describe('refuses', () => {
    it('refuses a value that is not an object, at the root', () => {
      const error = parseError('plan = pro');
      expect(error).toBeInstanceOf(InvalidAudienceConditionError);
      expect(error.path).toBe('condition');
    });

    // [test name, input, the path the error points at]
    it.each<[string, unknown, string]>([
      ['refuses null', null, 'condition'],
      ['refuses an array in place of a condition', [plan], 'condition'],
      [
        'refuses a non-object item of an and, pointing at the item',
        { and: [plan, 42] },
        'condition.and[1]',
      ],
      ['refuses a node with none of the kinds', { op: 'eq', value: 'pro' }, 'condition'],
      [
        'refuses a node with two kinds',
        { trait: 'plan', computed: 'orderCount', op: 'eq', value: 1 },
        'condition',
      ],
      [
        'refuses a nested node with two kinds, pointing at that node',
        { or: [plan, { and: [plan], not: plan }] },
        'condition.or[1]',
      ],
      ['refuses an empty and', { and: [] }, 'condition.and'],
      ['refuses an empty or', { or: [] }, 'condition.or'],
      ['refuses an and that is not an array', { and: plan }, 'condition.and'],
      [
        'refuses an unknown op, pointing at the op of the offending item',
        { and: [plan, { trait: 'plan', op: 'like', value: 'p%' }] },
        'condition.and[1].op',
      ],
      ['refuses a missing op', { trait: 'plan', value: 'pro' }, 'condition.op'],
      ['refuses a missing value for op eq', { trait: 'plan', op: 'eq' }, 'condition.value'],
      [
        'refuses a missing value for a computed gte',
        { not: { computed: 'orderCount', op: 'gte' } },
        'condition.not.value',
      ],
      [
        'refuses op in with a value that is not an array',
        { trait: 'country', op: 'in', value: 'DE' },
        'condition.value',
      ],
      ['refuses an empty trait name', { trait: '', op: 'exists' }, 'condition.trait'],
      [
        'refuses an unknown computed trait name',
        { computed: 'lifetimeValue', op: 'gt', value: 1 },
        'condition.computed',
      ],
      [
        'refuses a computed trait that is not a number (callCounts)',
        { computed: 'callCounts', op: 'gt', value: 1 },
        'condition.computed',
      ],
      [
        'refuses a string value for a computed trait',
        { computed: 'orderCount', op: 'gte', value: '3' },
        'condition.value',
      ],
      [
        'refuses a string value for an event count',
        { event: 'Order Completed', withinDays: 30, op: 'gte', value: '3' },
        'condition.value',
      ],
      [
        'refuses a window of 0 days',
        { event: 'Order Completed', withinDays: 0, op: 'gte', value: 1 },
        'condition.withinDays',
      ],
      [
        'refuses a window of 2.5 days',
        { event: 'Order Completed', withinDays: 2.5, op: 'gte', value: 1 },
        'condition.withinDays',
      ],
      [
        'refuses a missing window',
        { event: 'Order Completed', op: 'gte', value: 1 },
        'condition.withinDays',
      ],
      [
        'refuses an empty event name',
        { event: '', withinDays: 7, op: 'gte', value: 1 },
        'condition.event',
      ],
      [
        'refuses op exists on an event count',
        { event: 'Page Viewed', withinDays: 7, op: 'exists' },
        'condition.op',
      ],
      [
        'refuses op in on an event count',
        { event: 'Page Viewed', withinDays: 7, op: 'in', value: [1, 2] },
        'condition.op',
      ],
      [
        'refuses op contains on an event count',
        { event: 'Page Viewed', withinDays: 7, op: 'contains', value: 1 },
        'condition.op',
      ],
      [
        'refuses an unknown extra field on a trait condition, pointing at the field',
        { trait: 'plan', op: 'eq', value: 'pro', negate: true },
        'condition.negate',
      ],
      [
        'refuses an unknown extra field on an and',
        { and: [plan], label: 'VIP' },
        'condition.label',
      ],
      [
        'refuses withinDays on a computed condition',
        { computed: 'orderCount', withinDays: 7, op: 'gte', value: 1 },
        'condition.withinDays',
      ],
      ['refuses an empty custom id', { custom: '', op: 'gte', value: 2 }, 'condition.custom'],
      [
        'refuses a custom id that is not a string',
        { custom: 7, op: 'eq', value: 2 },
        'condition.custom',
      ],
      [
        'refuses withinDays on a custom condition',
        { custom: 'orders_30d', withinDays: 7, op: 'gte', value: 1 },
        'condition.withinDays',
      ],
      [
        'refuses a custom and a trait kind in one node',
        { custom: 'orders_30d', trait: 'plan', op: 'eq', value: 1 },
        'condition',
      ],
      [
        'refuses nesting deeper than 16, pointing at the node that is too deep',
        nestedNots(17, plan),
        `condition${'.not'.repeat(17)}`,
      ],
    ])('%s', (_, input, path) => {
      expect(parseError(input).path).toBe(path);
    });

    it('refuses a window longer than limits.maxWindowDays', () => {
      const input = { event: 'Order Completed', withinDays: 31, op: 'gte', value: 1 };
      expect(parseError(input, { maxWindowDays: 30 }).path).toBe('condition.withinDays');
    });

    it('names the path in the error message', () => {
      expect(parseError({ or: [plan, { trait: 'plan', op: 'like' }] }).message).toMatch(
        /^condition\.or\[1\]\.op: /u,
      );
    });
  });
});

/** [test name, condition, whether the profile meets it] */
type MeetsCase = [string, AudienceCondition, boolean];

/** One test a case: whether `profile` meets the case's condition at `now`. */
function itMeets(profile: ProfileState, cases: MeetsCase[], now = T): void {
  it.each<MeetsCase>(cases)('%s', (_, condition, expected) => {
    expect(meetsCondition(condition, profile, now)).toBe(expected);
  });
}

describe('meetsCondition', () => {
  const meets = (condition: AudienceCondition, profile: ProfileState, now = T) =>
    meetsCondition(condition, profile, now);

  describe('trait conditions', () => {
    const profile = withTraits({
      plan: 'pro',
      age: 34,
      tags: ['beta', 'newsletter'],
      company: 'Acme Widgets GmbH',
      address: { city: 'Berlin', country: 'Germany' },
    });

    itMeets(profile, [
      ['eq is true for the same value', { trait: 'plan', op: 'eq', value: 'pro' }, true],
      ['eq is false for another value', { trait: 'plan', op: 'eq', value: 'free' }, false],
      [
        'eq does not equate a number with its string',
        { trait: 'age', op: 'eq', value: '34' },
        false,
      ],
      ['neq is true for another value', { trait: 'plan', op: 'neq', value: 'free' }, true],
      ['neq is false for the same value', { trait: 'plan', op: 'neq', value: 'pro' }, false],
      [
        'in is true when the value is one of the list',
        { trait: 'plan', op: 'in', value: ['free', 'pro'] },
        true,
      ],
      [
        'in is false when the value is not in the list',
        { trait: 'plan', op: 'in', value: ['free', 'team'] },
        false,
      ],
      [
        'contains finds an item of an array trait',
        { trait: 'tags', op: 'contains', value: 'beta' },
        true,
      ],
      [
        'contains is false for an item the array trait lacks',
        { trait: 'tags', op: 'contains', value: 'vip' },
        false,
      ],
      [
        'contains finds a substring of a string trait',
        { trait: 'company', op: 'contains', value: 'Widgets' },
        true,
      ],
      [
        'contains is false for a string the trait does not contain',
        { trait: 'company', op: 'contains', value: 'Gadgets' },
        false,
      ],
      ['exists is true for a trait the profile has', { trait: 'plan', op: 'exists' }, true],
      ['exists is false for a trait the profile lacks', { trait: 'email', op: 'exists' }, false],
      [
        'exists with value false is true for a trait the profile lacks',
        { trait: 'email', op: 'exists', value: false },
        true,
      ],
      [
        'exists with value false is false for a trait the profile has',
        { trait: 'plan', op: 'exists', value: false },
        false,
      ],
      ['gt compares numbers', { trait: 'age', op: 'gt', value: 33 }, true],
      ['gt is false for an equal number', { trait: 'age', op: 'gt', value: 34 }, false],
      ['gte is true for an equal number', { trait: 'age', op: 'gte', value: 34 }, true],
      ['lt is false for an equal number', { trait: 'age', op: 'lt', value: 34 }, false],
      ['lte is true for an equal number', { trait: 'age', op: 'lte', value: 34 }, true],
      ['lt is true for a larger number', { trait: 'age', op: 'lt', value: 35 }, true],
      ['gte is true for an equal string', { trait: 'plan', op: 'gte', value: 'pro' }, true],
      [
        'lte is false for a string that sorts before the trait',
        { trait: 'plan', op: 'lte', value: 'basic' },
        false,
      ],
      ['does not order a number against a string', { trait: 'age', op: 'gte', value: '18' }, false],
      [
        'eq is false for a missing trait',
        { trait: 'email', op: 'eq', value: 'a@example.com' },
        false,
      ],
      [
        'neq is true for a missing trait',
        { trait: 'email', op: 'neq', value: 'a@example.com' },
        true,
      ],
      ['lt is false for a missing trait', { trait: 'score', op: 'lt', value: 100 }, false],
      [
        'reads a nested trait as address.city',
        { trait: 'address.city', op: 'eq', value: 'Berlin' },
        true,
      ],
      [
        'reads the normalised country inside address',
        { trait: 'address.country', op: 'eq', value: 'DE' },
        true,
      ],
      [
        'treats a nested path below a missing key as missing',
        { trait: 'address.zip', op: 'exists' },
        false,
      ],
      [
        'treats a nested path below a non-object trait as missing',
        { trait: 'plan.tier', op: 'neq', value: 'x' },
        true,
      ],
      [
        'treats a trait named like an Object prototype member as missing',
        { trait: 'constructor', op: 'exists' },
        false,
      ],
    ]);

    itMeets(withTraits({ plan: null }), [
      ['exists is false for a trait set to null', { trait: 'plan', op: 'exists' }, false],
    ]);

    itMeets(withTraits({ signedUpOn: '2025-03-01' }), [
      [
        'gt compares strings in code-point order',
        { trait: 'signedUpOn', op: 'gt', value: '2025-02-28' },
        true,
      ],
      [
        'lt compares strings in code-point order',
        { trait: 'signedUpOn', op: 'lt', value: '2025-02-28' },
        false,
      ],
    ]);

    itMeets(withTraits({ 'utm.source': 'newsletter' }), [
      [
        'reads a trait whose own name contains a dot',
        { trait: 'utm.source', op: 'eq', value: 'newsletter' },
        true,
      ],
    ]);

    itMeets(fold([identify({ plan: 'free' }, T - DAY_MS), identify({ plan: 'pro' }, T)]), [
      ['reads the latest value of a trait', { trait: 'plan', op: 'eq', value: 'pro' }, true],
    ]);
  });

  describe('computed conditions', () => {
    const buyer = fold([order(40, T - 2 * DAY_MS), order(60, T - DAY_MS), track('Page Viewed')]);

    itMeets(buyer, [
      ['compares orderCount', { computed: 'orderCount', op: 'eq', value: 2 }, true],
      [
        'orderCount gte is false below the value',
        { computed: 'orderCount', op: 'gte', value: 3 },
        false,
      ],
      [
        'compares revenueTotal in currency units',
        { computed: 'revenueTotal', op: 'gte', value: 100 },
        true,
      ],
      [
        'revenueTotal gt is false for an equal total',
        { computed: 'revenueTotal', op: 'gt', value: 100 },
        false,
      ],
      [
        'compares averageOrderValue after orders',
        { computed: 'averageOrderValue', op: 'eq', value: 50 },
        true,
      ],
      [
        'daysSinceLastSeen is 0 on the day of the last event',
        { computed: 'daysSinceLastSeen', op: 'eq', value: 0 },
        true,
      ],
    ]);

    itMeets(
      buyer,
      [
        [
          'daysSinceLastSeen counts the days up to now',
          { computed: 'daysSinceLastSeen', op: 'eq', value: 5 },
          true,
        ],
        [
          'daysSinceLastSeen lte is false once now is later than the limit',
          { computed: 'daysSinceLastSeen', op: 'lte', value: 4 },
          false,
        ],
      ],
      T + 5 * DAY_MS,
    );

    itMeets(fold([track('Page Viewed')]), [
      [
        'averageOrderValue gte is false before any order',
        { computed: 'averageOrderValue', op: 'gte', value: 0 },
        false,
      ],
    ]);

    itMeets(emptyProfile(), [
      [
        'daysSinceLastSeen is missing for a profile never seen',
        { computed: 'daysSinceLastSeen', op: 'lte', value: 30 },
        false,
      ],
    ]);
  });

  describe('event windows', () => {
    const threeOrders = { event: ORDER_COMPLETED, withinDays: 30, op: 'gte', value: 3 } as const;

    // [test name, how many days before now the first of three orders was, whether they count]
    it.each<[string, number, boolean]>([
      ['is true for 3 orders within the last 30 days', 29, true],
      ['is false when one of the 3 orders was 31 days before now', 31, false],
    ])('%s', (_, firstDaysAgo, expected) => {
      const profile = fold([
        order(10, T - firstDaysAgo * DAY_MS),
        order(10, T - 10 * DAY_MS),
        order(10, T - HOUR),
      ]);
      expect(meets(threeOrders, profile)).toBe(expected);
    });

    it('counts only events of the named event', () => {
      const profile = fold([
        order(10, T - 2 * DAY_MS),
        order(10, T - DAY_MS),
        track('Product Viewed', T),
      ]);
      expect(meets(threeOrders, profile)).toBe(false);
    });

    it('includes events of today in a 1-day window', () => {
      const profile = fold([track('Page Viewed', Date.UTC(2025, 5, 15, 0, 5))]);
      expect(
        meets(
          { event: 'Page Viewed', withinDays: 1, op: 'eq', value: 1 },
          profile,
          Date.UTC(2025, 5, 15, 23, 55),
        ),
      ).toBe(true);
    });

    it('leaves events of yesterday out of a 1-day window', () => {
      const profile = fold([track('Page Viewed', T - DAY_MS)]);
      expect(meets({ event: 'Page Viewed', withinDays: 1, op: 'gte', value: 1 }, profile)).toBe(
        false,
      );
    });

    it('counts zero events of a name the profile never sent', () => {
      const profile = fold([track('Page Viewed')]);
      expect(meets({ event: 'Cart Abandoned', withinDays: 7, op: 'eq', value: 0 }, profile)).toBe(
        true,
      );
    });

    // [test name, the country given, when it was given, whether the example rule is met]
    it.each<[string, string, number, boolean]>([
      [
        'meets the example rule with the country given as Germany',
        'Germany',
        T - 40 * DAY_MS,
        true,
      ],
      ['does not meet the example rule for a profile in Austria', 'Austria', T, false],
    ])('%s', (_, country, countryAt, expected) => {
      const rule = parseAudienceCondition(
        {
          and: [
            { event: 'Order Completed', withinDays: 30, op: 'gte', value: 3 },
            { trait: 'country', op: 'eq', value: 'DE' },
          ],
        },
        limits,
      );
      const profile = fold([
        identify({ country }, countryAt),
        order(10, T - 20 * DAY_MS),
        order(20, T - 5 * DAY_MS),
        order(30, T),
      ]);
      expect(meetsCondition(rule, profile, T)).toBe(expected);
    });
  });

  describe('custom conditions', () => {
    const orders30d: ComputedTraitDefinition = {
      id: 'orders_30d',
      event: ORDER_COMPLETED,
      property: null,
      aggregate: 'count',
      withinDays: 30,
    };
    const revenueTotal: ComputedTraitDefinition = {
      id: 'revenue_total',
      event: ORDER_COMPLETED,
      property: 'revenue',
      aggregate: 'sum',
      withinDays: null,
    };
    const definitions = [orders30d, revenueTotal];
    const ordersOnDays = [order(40, T - 2 * DAY_MS), order(60, T - DAY_MS)];
    /** Two orders, folded into a new profile: its custom traits are complete. */
    const buyer = foldEvents(newProfile(definitions), ordersOnDays, {
      ...options,
      computedTraits: definitions,
    });
    /** The same orders, folded into a profile of unknown history: no custom trait values. */
    const notBackfilled = foldEvents(emptyProfile(), ordersOnDays, {
      ...options,
      computedTraits: definitions,
    });
    const atLeastTwo = { custom: 'orders_30d', op: 'gte', value: 2 } as const;
    const checks = (id: string, value: number) =>
      [
        { custom: id, op: 'neq', value },
        { custom: id, op: 'eq', value },
        { custom: id, op: 'gte', value },
      ] as const;

    it('is true when the custom trait meets the comparison', () => {
      expect(meetsCondition(atLeastTwo, buyer, T, definitions)).toBe(true);
    });

    it('is false when the custom trait does not meet the comparison', () => {
      const atLeastThree = { ...atLeastTwo, value: 3 };
      expect(meetsCondition(atLeastThree, buyer, T, definitions)).toBe(false);
    });

    it('compares a custom sum in currency units', () => {
      const condition = { custom: 'revenue_total', op: 'eq', value: 100 } as const;
      expect(meetsCondition(condition, buyer, T, definitions)).toBe(true);
    });

    it('reads a custom window at now: the count falls as days pass', () => {
      expect(meetsCondition(atLeastTwo, buyer, T + 28 * DAY_MS, definitions)).toBe(false);
    });

    it('passes the definitions down through and, or and not', () => {
      const nested: AudienceCondition = { and: [{ or: [{ not: { not: atLeastTwo } }] }] };
      expect(meetsCondition(nested, buyer, T, definitions)).toBe(true);
    });

    it('meets neq but not eq or gte for an id with no definition', () => {
      expect(checks('orders_7d', 0).map((c) => meetsCondition(c, buyer, T, definitions))).toEqual([
        true,
        false,
        false,
      ]);
    });

    it('meets neq but not eq or gte when no definitions are passed', () => {
      expect(checks('orders_30d', 2).map((c) => meetsCondition(c, buyer, T))).toEqual([
        true,
        false,
        false,
      ]);
    });

    it('meets neq but not eq or gte for a profile not backfilled yet', () => {
      expect(
        checks('orders_30d', 0).map((c) => meetsCondition(c, notBackfilled, T, definitions)),
      ).toEqual([true, false, false]);
    });

    it('meets exists false for a profile not backfilled yet', () => {
      const missing = { custom: 'orders_30d', op: 'exists', value: false } as const;
      expect(meetsCondition(missing, notBackfilled, T, definitions)).toBe(true);
    });
  });

  describe('and, or, not', () => {
    const isPro = { trait: 'plan', op: 'eq', value: 'pro' } as const;
    const isFree = { trait: 'plan', op: 'eq', value: 'free' } as const;
    const inGermany = { trait: 'country', op: 'eq', value: 'DE' } as const;

    itMeets(withTraits({ plan: 'pro', country: 'DE' }), [
      ['and is true when every item holds', { and: [isPro, inGermany] }, true],
      ['and is false when one item fails', { and: [isPro, isFree] }, false],
      ['or is true when one item holds', { or: [isFree, inGermany] }, true],
      ['or is false when no item holds', { or: [isFree, { not: inGermany }] }, false],
      ['not inverts its item', { not: isFree }, true],
      [
        'evaluates nested combinations',
        { and: [{ or: [isFree, isPro] }, { not: { and: [isFree] } }] },
        true,
      ],
    ]);
  });

  describe('time passing', () => {
    const activeByEvent = { event: 'Page Viewed', withinDays: 7, op: 'gte', value: 1 } as const;
    const activeByDays = { computed: 'daysSinceLastSeen', op: 'lte', value: 6 } as const;
    const visitor = fold([track('Page Viewed', T)]);

    itMeets(
      visitor,
      [
        ['a visitor is active by page views on the day of the visit', activeByEvent, true],
        ['a visitor is active by days since last seen on the day of the visit', activeByDays, true],
      ],
      T,
    );

    itMeets(
      visitor,
      [
        [
          'a visitor leaves active-by-page-views 8 days later without new events',
          activeByEvent,
          false,
        ],
        [
          'a visitor leaves active-by-days-since-last-seen 8 days later without new events',
          activeByDays,
          false,
        ],
      ],
      T + 8 * DAY_MS,
    );

    // [test name, days after the visit, whether both rules hold]
    it.each<[string, number, boolean]>([
      ['both active rules still hold 6 days later', 6, true],
      ['both active rules stop holding 7 days later', 7, false],
    ])('%s', (_, days, expected) => {
      const later = T + days * DAY_MS;
      expect([meets(activeByEvent, visitor, later), meets(activeByDays, visitor, later)]).toEqual([
        expected,
        expected,
      ]);
    });
  });
});

describe('dependsOnTime', () => {
  const trait = { trait: 'plan', op: 'eq', value: 'pro' } as const;
  const window = { event: 'Page Viewed', withinDays: 7, op: 'gte', value: 1 } as const;
  const sinceLastSeen = { computed: 'daysSinceLastSeen', op: 'lte', value: 6 } as const;

  // [test name, condition, whether it depends on the time]
  it.each<[string, AudienceCondition, boolean]>([
    ['is true for an event window', window, true],
    ['is true for daysSinceLastSeen', sinceLastSeen, true],
    ['is true for an event window under not', { not: window }, true],
    ['is true for daysSinceLastSeen under not', { not: sinceLastSeen }, true],
    [
      'is true for an event window deep in and and or',
      { and: [trait, { or: [trait, { not: window }] }] },
      true,
    ],
    [
      'is true for daysSinceLastSeen as the last item of an or',
      { or: [trait, sinceLastSeen] },
      true,
    ],
    ['is false for a trait condition', trait, false],
    ['is true for a custom condition', { custom: 'orders_30d', op: 'gte', value: 2 }, true],
    [
      'is true for a custom condition over all time too, its definition unknown here',
      { and: [trait, { custom: 'revenue_total', op: 'gt', value: 0 }] },
      true,
    ],
    [
      'is false for combinations of traits and other computed traits',
      { and: [trait, { or: [{ not: trait }, { computed: 'orderCount', op: 'gte', value: 3 }] }] },
      false,
    ],
  ])('%s', (_, condition, expected) => {
    expect(dependsOnTime(condition)).toBe(expected);
  });

  it('is false for the other computed traits', () => {
    const others = [
      'eventCount',
      'firstSeen',
      'lastSeen',
      'orderCount',
      'revenueTotal',
      'averageOrderValue',
      'lastOrderAt',
    ] as const;
    expect(others.filter((computed) => dependsOnTime({ computed, op: 'gte', value: 1 }))).toEqual(
      [],
    );
  });
});
