import { changedFields } from './changed-fields';
import { foldEvents } from './fold-profile';
import type { ProfileEvent } from './profile-event';
import { aProfileEvent, HOUR, IPHONE_SAFARI, options, T } from './profile-event.fixture';
import { emptyProfile, type ProfileState } from './profile-state';

const fold = (profile: ProfileState, ...events: ProfileEvent[]) =>
  foldEvents(profile, events, options);

/** A profile with a trait, consent, a device and activity. */
const before = fold(
  emptyProfile(),
  aProfileEvent({
    messageId: 'm1',
    at: T,
    traits: { plan: 'free', city: 'Berlin' },
    consent: { marketing: true },
    userAgent: IPHONE_SAFARI,
  }),
);

/** Structural copy: same content, different objects. */
const copy = (profile: ProfileState): ProfileState =>
  JSON.parse(JSON.stringify(profile)) as ProfileState;

describe('changedFields', () => {
  it('is empty for equal states', () => {
    expect(changedFields(before, copy(before))).toEqual([]);
  });

  it('is empty for two empty profiles', () => {
    expect(changedFields(emptyProfile(), emptyProfile())).toEqual([]);
  });

  it('lists a trait whose value changed, by name', () => {
    const after = copy(before);
    after.traits.plan = { ...after.traits.plan, value: 'pro' };
    expect(changedFields(before, after)).toEqual(['traits.plan']);
  });

  it('lists a trait that was added', () => {
    const after = copy(before);
    after.traits.email = { value: 'jane@example.org', source: 'web', messageId: 'm2', at: T };
    expect(changedFields(before, after)).toEqual(['traits.email']);
  });

  it('lists a trait that was removed', () => {
    const after = copy(before);
    delete after.traits.city;
    expect(changedFields(before, after)).toEqual(['traits.city']);
  });

  it('lists a trait whose provenance alone changed', () => {
    const after = copy(before);
    after.traits.plan = { ...after.traits.plan, source: 'crm', messageId: 'm2' };
    expect(changedFields(before, after)).toEqual(['traits.plan']);
  });

  it('lists identifiers when one was added', () => {
    const after = copy(before);
    after.identifiers = [
      { type: 'anonymous_id', value: 'a1' },
      { type: 'user_id', value: 'u1' },
    ];
    expect(changedFields(before, after)).toEqual(['identifiers']);
  });

  it('lists consent when the preferences changed', () => {
    const after = copy(before);
    after.consent = { at: T + HOUR, messageId: 'm2', categoryPreferences: { marketing: false } };
    expect(changedFields(before, after)).toEqual(['consent']);
  });

  it('lists consent when it first appears', () => {
    const after = copy(before);
    const withoutConsent = { ...copy(before), consent: null };
    expect(changedFields(withoutConsent, after)).toEqual(['consent']);
  });

  it('lists device when it changed', () => {
    const after = copy(before);
    after.device = { ...after.device!, os: 'Android', osVersion: '14' };
    expect(changedFields(before, after)).toEqual(['device']);
  });

  it('lists each computed trait that changed, by its name in the snapshot', () => {
    const after = copy(before);
    after.activity.eventCount += 1;
    after.activity.lastSeen = T + HOUR;
    expect(changedFields(before, after)).toEqual(['computed.eventCount', 'computed.lastSeen']);
  });

  it('lists what folding a later event changed, and nothing else', () => {
    const after = fold(
      before,
      aProfileEvent({
        messageId: 'm2',
        at: T + HOUR,
        type: 'track',
        event: 'Product Viewed',
        traits: { plan: 'pro', city: 'Berlin' },
      }),
    );
    expect(changedFields(before, after)).toEqual([
      'traits.city',
      'traits.plan',
      'computed.callCounts',
      'computed.eventCount',
      'computed.eventCounts',
      'computed.lastSeen',
    ]);
  });

  it('names revenue changes as the revenue total and the average order value', () => {
    const after = copy(before);
    after.activity.revenueMinor += 10_000;
    expect(changedFields(before, after)).toEqual([
      'computed.revenueTotal',
      'computed.averageOrderValue',
    ]);
  });

  it('does not list the per-day counts, which are not published', () => {
    const after = copy(before);
    after.activity.daily = { 'Signed In': { '1': 1 } };
    expect(changedFields(before, after)).toEqual([]);
  });

  it('does not list a trait when an older event says something else', () => {
    const after = fold(
      before,
      aProfileEvent({ messageId: 'm0', at: T - HOUR, traits: { plan: 'trial' } }),
    );
    expect(changedFields(before, after)).toEqual([
      'computed.callCounts',
      'computed.eventCount',
      'computed.firstSeen',
    ]);
  });
});
