import { activationMessageOf, type ActivationMessage } from '../routing/profile-change';
import type { Subscription, SubscriptionFilter } from './subscription';
import { consentAllows, selects } from './subscription-filter';

function subscriptionWith(
  filter: Partial<SubscriptionFilter>,
  consent: string[] = [],
): Subscription {
  return {
    id: 's',
    name: 's',
    target: { type: 'webhook', url: 'https://example.com' },
    filter: { profileUpdates: null, audiences: null, merges: false, deletions: false, ...filter },
    consent,
    format: 'json',
    status: 'active',
    statusReason: null,
    concurrency: null,
    secrets: [],
    createdAt: 0,
    updatedAt: 0,
  };
}

function update(changed: string[]): ActivationMessage {
  return {
    type: 'profile.updated',
    profileId: 'p',
    changeKey: 'k',
    at: 0,
    carriesProfileData: true,
    changed,
    audienceId: null,
    data: {},
    change: { kind: 'deleted', profileId: 'p', at: 0 },
  };
}

const entered = activationMessageOf({
  kind: 'membership',
  membership: {
    audienceId: 'vip',
    profileId: 'p',
    change: 'entered',
    reason: 'condition',
    profileVersion: 3,
    at: 0,
    consent: null,
  },
  value: Buffer.alloc(0),
});
const merged = activationMessageOf({ kind: 'merged', profileId: 'p', mergedInto: 'q', at: 0 });
const deleted = activationMessageOf({ kind: 'deleted', profileId: 'p', at: 0 });

describe('selects', () => {
  it('selects a profile update whose changes touch a named field or one under it', () => {
    const subscription = subscriptionWith({
      profileUpdates: { fields: ['traits.email', 'computed'] },
    });
    expect(selects(subscription, update(['traits.email']))).toBe(true);
    expect(selects(subscription, update(['computed.orderCount']))).toBe(true);
    expect(selects(subscription, update(['traits.emailVerified', 'device']))).toBe(false);
  });

  it('selects every profile update when no field is named, and none without profileUpdates', () => {
    expect(selects(subscriptionWith({ profileUpdates: { fields: [] } }), update(['device']))).toBe(
      true,
    );
    expect(selects(subscriptionWith({ merges: true }), update(['device']))).toBe(false);
  });

  it('selects audience changes of the named audiences and kinds of change', () => {
    expect(
      selects(subscriptionWith({ audiences: { ids: ['vip'], changes: ['entered'] } }), entered),
    ).toBe(true);
    expect(
      selects(subscriptionWith({ audiences: { ids: ['other'], changes: ['entered'] } }), entered),
    ).toBe(false);
    expect(
      selects(subscriptionWith({ audiences: { ids: null, changes: ['exited'] } }), entered),
    ).toBe(false);
  });

  it('selects merges and deletions only where asked', () => {
    expect(selects(subscriptionWith({ merges: true }), merged)).toBe(true);
    expect(selects(subscriptionWith({ deletions: true }), merged)).toBe(false);
    expect(selects(subscriptionWith({ deletions: true }), deleted)).toBe(true);
  });
});

describe('consentAllows', () => {
  const marketing = subscriptionWith({ profileUpdates: { fields: [] } }, ['marketing', 'ads']);

  it('lets profile data through only when every required category is granted', () => {
    expect(consentAllows(marketing, update([]), ['ads', 'marketing'])).toBe(true);
    expect(consentAllows(marketing, update([]), ['marketing'])).toBe(false);
    expect(consentAllows(marketing, update([]), null)).toBe(false);
  });

  it('always lets merge and deletion notices through, and everything where no consent is required', () => {
    expect(consentAllows(marketing, deleted, null)).toBe(true);
    expect(consentAllows(marketing, merged, null)).toBe(true);
    expect(consentAllows(subscriptionWith({ merges: true }), update([]), null)).toBe(true);
  });
});
