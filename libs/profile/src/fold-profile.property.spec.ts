import fc from 'fast-check';
import { foldEvents, mergeProfiles } from './fold-profile';
import { newProfile } from './custom-traits';
import type { ProfileEvent } from './profile-event';
import { options as specOptions } from './profile-event.fixture';
import type { ComputedTraitDefinition } from './custom-traits';
import { DAY_MS, emptyProfile, type FoldOptions, type ProfileState } from './profile-state';

/** A retention shorter than the 120 days the events span, so that folding drops old daily counts. */
const options: FoldOptions = { ...specOptions, dailyRetentionDays: 30 };

const anEvent = (messageId: string): fc.Arbitrary<ProfileEvent> =>
  fc
    .record({
      messageId: fc.constant(messageId),
      type: fc.constantFrom('track', 'identify', 'page'),
      event: fc.constantFrom('Order Completed', 'Product Viewed', 'Signed In'),
      at: fc.integer({ min: 0, max: 120 }).map((day) => 1_700_000_000_000 + day * DAY_MS),
      sourceId: fc.constantFrom('web', 'ios'),
      identifiers: fc.array(
        fc.record({ type: fc.constantFrom('email', 'user_id'), value: fc.constantFrom('a', 'b') }),
        { maxLength: 2 },
      ),
      traits: fc.dictionary(
        fc.constantFrom('plan', 'email', 'country'),
        fc.constantFrom('x', 'de', 'Fr', ' A@B.io '),
      ),
      properties: fc.record({ revenue: fc.double({ min: 0, max: 1000, noNaN: true }) }),
      consent: fc.option(fc.dictionary(fc.constantFrom('ads', 'analytics'), fc.boolean()), {
        nil: null,
      }),
      userAgent: fc.option(
        fc.constantFrom('Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0', 'curl/8'),
        { nil: null },
      ),
    })
    .map((event) => ({ ...event, event: event.type === 'track' ? event.event : null }));

/** Events with distinct messageIds. */
const events = fc
  .integer({ min: 1, max: 40 })
  .chain((count) => fc.tuple(...Array.from({ length: count }, (_, n) => anEvent(`m${n}`))));

/** User-defined computed traits: a count over 30 days and an all-time sum of a property. */
const definitions: ComputedTraitDefinition[] = [
  {
    id: 'orders_30d',
    event: 'Order Completed',
    property: null,
    aggregate: 'count',
    withinDays: 30,
  },
  {
    id: 'revenue_total',
    event: 'Order Completed',
    property: 'revenue',
    aggregate: 'sum',
    withinDays: null,
  },
];
const customOptions: FoldOptions = { ...options, computedTraits: definitions };

/** The sequential reference: every event folded once, in time order. */
function reference(
  all: readonly ProfileEvent[],
  start: ProfileState = emptyProfile(),
  foldOptions: FoldOptions = options,
): ProfileState {
  const inTimeOrder = [...all].sort((a, b) => a.at - b.at || (a.messageId < b.messageId ? -1 : 1));
  return foldEvents(start, inTimeOrder, foldOptions);
}

describe('folding a profile', () => {
  it('gives the same profile whatever order its events arrive in', () => {
    fc.assert(
      fc.property(
        events.chain((all) =>
          fc.tuple(fc.constant(all), fc.shuffledSubarray(all, { minLength: all.length })),
        ),
        ([all, shuffled]) => {
          expect(foldEvents(emptyProfile(), shuffled, options)).toEqual(reference(all));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('gives the fold of all events when profiles holding parts of them merge in any order', () => {
    fc.assert(
      fc.property(
        events.chain((all) =>
          fc.tuple(
            fc.constant(all),
            fc.array(fc.integer({ min: 0, max: 4 }), {
              minLength: all.length,
              maxLength: all.length,
            }),
            fc.array(fc.nat(), { minLength: 5, maxLength: 5 }),
          ),
        ),
        ([all, owners, mergeOrder]) => {
          // Each event lands on one of five profiles, which then merge pairwise in a random order.
          const profiles = [0, 1, 2, 3, 4].map((owner) =>
            foldEvents(
              emptyProfile(),
              all.filter((_, n) => owners[n] === owner),
              options,
            ),
          );
          for (const pick of mergeOrder) {
            if (profiles.length === 1) break;
            const from = pick % profiles.length;
            const [merged] = profiles.splice(from, 1);
            const into = pick % profiles.length;
            profiles[into] = mergeProfiles(merged, profiles[into], options);
          }
          const folded = profiles.reduce((a, b) => mergeProfiles(a, b, options), emptyProfile());
          expect(folded).toEqual(reference(all));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('merges profiles commutatively and associatively', () => {
    const profile = events.map((all) => foldEvents(emptyProfile(), all, options));
    fc.assert(
      fc.property(profile, profile, profile, (a, b, c) => {
        expect(mergeProfiles(a, b, options)).toEqual(mergeProfiles(b, a, options));
        expect(mergeProfiles(mergeProfiles(a, b, options), c, options)).toEqual(
          mergeProfiles(a, mergeProfiles(b, c, options), options),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('gives the same user-defined computed traits whatever the order of events and merges', () => {
    fc.assert(
      fc.property(
        events.chain((all) =>
          fc.tuple(
            fc.constant(all),
            fc.shuffledSubarray(all, { minLength: all.length }),
            fc.array(fc.integer({ min: 0, max: 4 }), {
              minLength: all.length,
              maxLength: all.length,
            }),
            fc.array(fc.nat(), { minLength: 5, maxLength: 5 }),
          ),
        ),
        ([all, shuffled, owners, mergeOrder]) => {
          // The shuffled events land on five new profiles, which then merge in a random order.
          const profiles = [0, 1, 2, 3, 4].map((owner) =>
            foldEvents(
              newProfile(definitions),
              shuffled.filter((_, n) => owners[n] === owner),
              customOptions,
            ),
          );
          for (const pick of mergeOrder) {
            if (profiles.length === 1) break;
            const from = pick % profiles.length;
            const [merged] = profiles.splice(from, 1);
            const into = pick % profiles.length;
            profiles[into] = mergeProfiles(merged, profiles[into], customOptions);
          }
          const folded = profiles.reduce(
            (a, b) => mergeProfiles(a, b, customOptions),
            newProfile(definitions),
          );
          const expected = reference(all, newProfile(definitions), customOptions);
          expect(Object.keys(expected.custom)).toEqual(['orders_30d', 'revenue_total']);
          expect(folded).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});
