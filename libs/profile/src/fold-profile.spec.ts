import type { JsonObject, ResolvedEvent } from '@tessera/contracts';
import type { Identifier } from '@tessera/identity';
import { foldEvents, mergeProfiles, ORDER_COMPLETED, profileOf, revenueOf } from './fold-profile';
import { profileEventOf, type ProfileEvent } from './profile-event';
import {
  aProfileEvent,
  HOUR,
  IPHONE_SAFARI,
  options,
  T,
  WINDOWS_CHROME,
} from './profile-event.fixture';
import { DAY_MS, dayOf, emptyProfile } from './profile-state';

const user = (value: string): Identifier => ({ type: 'user_id', value });
const anon = (value: string): Identifier => ({ type: 'anonymous_id', value });
const email = (value: string): Identifier => ({ type: 'email', value });

function track(event: string, overrides: Partial<ProfileEvent> = {}): ProfileEvent {
  return aProfileEvent({ type: 'track', event, ...overrides });
}

function order(properties: ProfileEvent['properties'], overrides: Partial<ProfileEvent> = {}) {
  return track(ORDER_COMPLETED, { properties, ...overrides });
}

function resolvedEvent(overrides: Partial<ResolvedEvent> = {}): ResolvedEvent {
  return {
    messageId: 'm1',
    type: 'identify',
    userId: 'u1',
    anonymousId: null,
    event: null,
    name: null,
    groupId: null,
    previousId: null,
    properties: null,
    traits: null,
    context: null,
    integrations: null,
    timestamp: T,
    sentAt: T,
    receivedAt: T + 1000,
    originalTimestamp: T,
    sourceId: 'web',
    violations: [],
    profileId: 'p1',
    identifiers: [user('u1')],
    unlinked: [],
    dropped: [],
    resolvedAt: T + 2000,
    ...overrides,
  };
}

const fold = (events: ProfileEvent[]) => foldEvents(emptyProfile(), events, options);

describe('profileOf', () => {
  it('stores the normalised traits of the event', () => {
    const profile = profileOf(
      aProfileEvent({ traits: { email: ' Jane@Example.ORG ', phone: '030 1234567' } }),
      options,
    );
    expect(profile.traits.email.value).toBe('jane@example.org');
    expect(profile.traits.phone.value).toBe('+49301234567');
  });

  it('records the source, messageId and event time of every trait', () => {
    const profile = profileOf(
      aProfileEvent({ messageId: 'm7', at: T, sourceId: 'ios-app', traits: { plan: 'pro' } }),
      options,
    );
    expect(profile.traits.plan).toEqual({
      value: 'pro',
      source: 'ios-app',
      messageId: 'm7',
      at: T,
    });
  });

  it('sorts the identifiers of the event and drops repeats', () => {
    const profile = profileOf(
      aProfileEvent({ identifiers: [user('u1'), anon('a1'), user('u1')] }),
      options,
    );
    expect(profile.identifiers).toEqual([anon('a1'), user('u1')]);
  });

  it('has no consent and no device when the event carries neither', () => {
    const profile = profileOf(aProfileEvent(), options);
    expect(profile.consent).toBeNull();
    expect(profile.device).toBeNull();
  });
});

describe('foldEvents', () => {
  describe('traits', () => {
    it('lets the later event win a trait', () => {
      const profile = fold([
        aProfileEvent({ messageId: 'm1', at: T, traits: { plan: 'free' } }),
        aProfileEvent({ messageId: 'm2', at: T + HOUR, traits: { plan: 'pro' } }),
      ]);
      expect(profile.traits.plan.value).toBe('pro');
    });

    it('keeps the newer value when an older event arrives late', () => {
      const profile = fold([
        aProfileEvent({ messageId: 'm2', at: T + HOUR, traits: { plan: 'pro' } }),
        aProfileEvent({ messageId: 'm1', at: T, traits: { plan: 'free' } }),
      ]);
      expect(profile.traits.plan).toMatchObject({ value: 'pro', messageId: 'm2', at: T + HOUR });
    });

    it('orders events with equal times by messageId, the greater one winning', () => {
      const b = aProfileEvent({ messageId: 'b', at: T, traits: { plan: 'from-b' } });
      const a = aProfileEvent({ messageId: 'a', at: T, traits: { plan: 'from-a' } });
      expect(fold([a, b]).traits.plan.value).toBe('from-b');
    });

    it('gives the same winner for equal times whatever the arrival order', () => {
      const b = aProfileEvent({ messageId: 'b', at: T, traits: { plan: 'from-b' } });
      const a = aProfileEvent({ messageId: 'a', at: T, traits: { plan: 'from-a' } });
      expect(fold([b, a]).traits.plan.value).toBe('from-b');
    });

    it('decides each trait on its own, keeping traits an older event alone set', () => {
      const profile = fold([
        aProfileEvent({ messageId: 'm2', at: T + HOUR, traits: { plan: 'pro' } }),
        aProfileEvent({ messageId: 'm1', at: T, traits: { plan: 'free', city: 'Berlin' } }),
      ]);
      expect(profile.traits.plan.value).toBe('pro');
      expect(profile.traits.city).toEqual({
        value: 'Berlin',
        source: 'web',
        messageId: 'm1',
        at: T,
      });
    });

    it('records which source said the winning value', () => {
      const profile = fold([
        aProfileEvent({ messageId: 'm1', at: T, sourceId: 'web', traits: { plan: 'free' } }),
        aProfileEvent({ messageId: 'm2', at: T + HOUR, sourceId: 'crm', traits: { plan: 'pro' } }),
      ]);
      expect(profile.traits.plan).toEqual({
        value: 'pro',
        source: 'crm',
        messageId: 'm2',
        at: T + HOUR,
      });
    });
  });

  describe('consent', () => {
    it('keeps the category preferences of the latest event that carried consent', () => {
      const profile = fold([
        aProfileEvent({ messageId: 'm2', at: T + HOUR, consent: { marketing: false } }),
        aProfileEvent({ messageId: 'm1', at: T, consent: { marketing: true, analytics: true } }),
      ]);
      expect(profile.consent).toEqual({
        categoryPreferences: { marketing: false },
        messageId: 'm2',
        at: T + HOUR,
      });
    });

    it('keeps the consent when a later event carries none', () => {
      const profile = fold([
        aProfileEvent({ messageId: 'm1', at: T, consent: { marketing: true } }),
        aProfileEvent({ messageId: 'm2', at: T + HOUR, consent: null }),
      ]);
      expect(profile.consent?.categoryPreferences).toEqual({ marketing: true });
    });
  });

  describe('device', () => {
    it('reads an iPhone Safari user agent as a mobile iOS device', () => {
      const profile = fold([aProfileEvent({ messageId: 'm1', at: T, userAgent: IPHONE_SAFARI })]);
      expect(profile.device).toEqual({
        at: T,
        messageId: 'm1',
        userAgent: IPHONE_SAFARI,
        browser: 'Mobile Safari',
        browserVersion: '17.4',
        os: 'iOS',
        osVersion: '17.4',
        deviceType: 'mobile',
        deviceVendor: 'Apple',
        deviceModel: 'iPhone',
      });
    });

    it('reads a desktop browser with no device type', () => {
      const profile = fold([aProfileEvent({ userAgent: WINDOWS_CHROME })]);
      expect(profile.device).toMatchObject({ browser: 'Chrome', os: 'Windows', deviceType: null });
    });

    it('keeps the device of the latest event that carried a user agent', () => {
      const profile = fold([
        aProfileEvent({ messageId: 'm2', at: T + HOUR, userAgent: IPHONE_SAFARI }),
        aProfileEvent({ messageId: 'm1', at: T, userAgent: WINDOWS_CHROME }),
      ]);
      expect(profile.device?.userAgent).toBe(IPHONE_SAFARI);
    });
  });

  describe('activity', () => {
    it('counts calls by type', () => {
      const profile = fold([
        aProfileEvent({ messageId: 'm1', type: 'identify' }),
        aProfileEvent({ messageId: 'm2', type: 'page' }),
        aProfileEvent({ messageId: 'm3', type: 'page' }),
        track('Product Viewed', { messageId: 'm4' }),
      ]);
      expect(profile.activity.eventCount).toBe(4);
      expect(profile.activity.callCounts).toEqual({ identify: 1, page: 2, track: 1 });
    });

    it('counts track calls by event name', () => {
      const profile = fold([
        track('Product Viewed', { messageId: 'm1' }),
        track('Product Viewed', { messageId: 'm2' }),
        track('Signed Up', { messageId: 'm3' }),
        aProfileEvent({ messageId: 'm4', type: 'page' }),
      ]);
      expect(profile.activity.eventCounts).toEqual({ 'Product Viewed': 2, 'Signed Up': 1 });
    });

    it('sets firstSeen to the earliest and lastSeen to the latest event time', () => {
      const profile = fold([
        aProfileEvent({ messageId: 'm2', at: T + HOUR }),
        aProfileEvent({ messageId: 'm1', at: T - HOUR }),
        aProfileEvent({ messageId: 'm3', at: T }),
      ]);
      expect(profile.activity.firstSeen).toBe(T - HOUR);
      expect(profile.activity.lastSeen).toBe(T + HOUR);
    });

    it('counts daily track calls by event name and UTC day', () => {
      const profile = fold([
        track('Product Viewed', { messageId: 'm1', at: T }),
        track('Product Viewed', { messageId: 'm2', at: T + HOUR }),
        track('Product Viewed', { messageId: 'm3', at: T + DAY_MS }),
      ]);
      expect(profile.activity.daily).toEqual({
        'Product Viewed': { [String(dayOf(T))]: 2, [String(dayOf(T) + 1)]: 1 },
      });
    });

    it('drops daily buckets older than the retention before the last-seen day', () => {
      const profile = fold([
        track('Product Viewed', { messageId: 'm1', at: T - 91 * DAY_MS }),
        track('Product Viewed', { messageId: 'm2', at: T - 90 * DAY_MS }),
        track('Product Viewed', { messageId: 'm3', at: T }),
      ]);
      expect(profile.activity.daily).toEqual({
        'Product Viewed': { [String(dayOf(T) - 90)]: 1, [String(dayOf(T))]: 1 },
      });
    });

    it('drops an event name from the daily buckets once all its days are past the retention', () => {
      const profile = fold([
        track('Signed Up', { messageId: 'm1', at: T - 100 * DAY_MS }),
        aProfileEvent({ messageId: 'm2', type: 'page', at: T }),
      ]);
      expect(profile.activity.daily).toEqual({});
    });

    it('still counts an event whose daily bucket was dropped', () => {
      const profile = fold([
        track('Signed Up', { messageId: 'm1', at: T - 100 * DAY_MS }),
        track('Product Viewed', { messageId: 'm2', at: T }),
      ]);
      expect(profile.activity.eventCounts).toEqual({ 'Product Viewed': 1, 'Signed Up': 1 });
    });
  });

  describe('orders', () => {
    it('counts Order Completed calls and remembers when the last one happened', () => {
      const profile = fold([
        order({ revenue: 10 }, { messageId: 'm2', at: T + HOUR }),
        order({ revenue: 20 }, { messageId: 'm1', at: T }),
        track('Product Viewed', { messageId: 'm3', at: T + 2 * HOUR }),
      ]);
      expect(profile.activity.orderCount).toBe(2);
      expect(profile.activity.lastOrderAt).toBe(T + HOUR);
    });

    it('has no orders and no last order before any Order Completed call', () => {
      const profile = fold([track('Product Viewed')]);
      expect(profile.activity).toMatchObject({ orderCount: 0, revenueMinor: 0, lastOrderAt: null });
    });

    it('takes the revenue from the revenue property first', () => {
      const profile = fold([order({ revenue: 12.5, total: 99, products: [{ price: 1 }] })]);
      expect(profile.activity.revenueMinor).toBe(125_000);
    });

    it('takes the revenue from total when there is no revenue', () => {
      const profile = fold([order({ total: 42.25, products: [{ price: 1 }] })]);
      expect(profile.activity.revenueMinor).toBe(422_500);
    });

    it('sums price times quantity of the products when there is neither revenue nor total', () => {
      const profile = fold([
        order({
          products: [
            { price: 19.99, quantity: 3 },
            { price: 5, quantity: 2 },
          ],
        }),
      ]);
      expect(profile.activity.revenueMinor).toBe(699_700);
    });

    it('accepts numeric strings for revenue', () => {
      const profile = fold([order({ revenue: '19.90' })]);
      expect(profile.activity.revenueMinor).toBe(199_000);
    });

    it('keeps revenue exact in minor units: orders of 0.1 and 0.2 make exactly 3000', () => {
      const profile = fold([
        order({ revenue: 0.1 }, { messageId: 'm1' }),
        order({ revenue: 0.2 }, { messageId: 'm2' }),
      ]);
      expect(profile.activity.revenueMinor).toBe(3000);
    });

    it('does not take revenue from a track call that is not Order Completed', () => {
      const profile = fold([track('Checkout Started', { properties: { revenue: 50 } })]);
      expect(profile.activity.revenueMinor).toBe(0);
    });
  });

  describe('identifiers', () => {
    it('unions the identifiers of all events, sorted by type and value, without repeats', () => {
      const profile = fold([
        aProfileEvent({ messageId: 'm1', identifiers: [user('u1'), anon('a2')] }),
        aProfileEvent({ messageId: 'm2', identifiers: [email('jane@example.org'), anon('a1')] }),
        aProfileEvent({ messageId: 'm3', identifiers: [user('u1'), anon('a1')] }),
      ]);
      expect(profile.identifiers).toEqual([
        anon('a1'),
        anon('a2'),
        email('jane@example.org'),
        user('u1'),
      ]);
    });
  });

  it('returns the starting profile when there are no events', () => {
    const start = profileOf(aProfileEvent({ traits: { plan: 'pro' } }), options);
    expect(foldEvents(start, [], options)).toEqual(start);
  });
});

describe('revenueOf', () => {
  it('counts a product without a quantity once', () => {
    expect(revenueOf({ products: [{ price: 7 }, { price: '3', quantity: '2' }] })).toBe(13);
  });

  it('falls back to total when revenue is not a number', () => {
    expect(revenueOf({ revenue: 'n/a', total: '8.5' })).toBe(8.5);
  });

  it('is zero for an order without revenue, total or products', () => {
    expect(revenueOf({})).toBe(0);
  });
});

describe('mergeProfiles', () => {
  it('merges two profiles as if all their events had been folded into one', () => {
    const first = [
      aProfileEvent({
        messageId: 'm1',
        at: T,
        identifiers: [anon('a1')],
        traits: { plan: 'free' },
      }),
      order({ revenue: 10 }, { messageId: 'm2', at: T + HOUR }),
    ];
    const second = [
      aProfileEvent({
        messageId: 'm3',
        at: T + 2 * HOUR,
        identifiers: [user('u1')],
        traits: { plan: 'pro' },
      }),
      order({ revenue: 5 }, { messageId: 'm4', at: T - HOUR }),
    ];
    const merged = mergeProfiles(fold(first), fold(second), options);
    expect(merged).toEqual(fold([...first, ...second]));
  });

  it('gives the same profile in either order', () => {
    const a = fold([
      aProfileEvent({
        messageId: 'm1',
        at: T,
        traits: { plan: 'free' },
        userAgent: WINDOWS_CHROME,
      }),
    ]);
    const b = fold([
      aProfileEvent({
        messageId: 'm2',
        at: T + HOUR,
        traits: { plan: 'pro' },
        consent: { marketing: true },
      }),
    ]);
    expect(mergeProfiles(a, b, options)).toEqual(mergeProfiles(b, a, options));
  });

  it('adds up the counters of both profiles', () => {
    const a = fold([order({ revenue: 10 }, { messageId: 'm1' })]);
    const b = fold([order({ revenue: 2.5 }, { messageId: 'm2' })]);
    const merged = mergeProfiles(a, b, options);
    expect(merged.activity).toMatchObject({
      eventCount: 2,
      orderCount: 2,
      revenueMinor: 125_000,
      callCounts: { track: 2 },
      eventCounts: { [ORDER_COMPLETED]: 2 },
    });
  });

  it('keeps the other profile unchanged when merged with an empty profile', () => {
    const profile = fold([aProfileEvent({ traits: { plan: 'pro' } })]);
    expect(mergeProfiles(emptyProfile(), profile, options)).toEqual(profile);
  });
});

describe('profileEventOf', () => {
  it('takes the traits of an identify call', () => {
    const event = profileEventOf(resolvedEvent({ type: 'identify', traits: { plan: 'pro' } }));
    expect(event.traits).toEqual({ plan: 'pro' });
  });

  it('does not take the traits of a group call as person traits', () => {
    const event = profileEventOf(
      resolvedEvent({ type: 'group', groupId: 'g1', traits: { name: 'Acme Inc', plan: 'pro' } }),
    );
    expect(event.traits).toEqual({});
  });

  it('takes context.traits of any call as person traits', () => {
    const event = profileEventOf(
      resolvedEvent({
        type: 'group',
        groupId: 'g1',
        traits: { name: 'Acme Inc' },
        context: { traits: { email: 'jane@example.org' } },
      }),
    );
    expect(event.traits).toEqual({ email: 'jane@example.org' });
  });

  it('lets the identify traits win over context.traits of the same name', () => {
    const event = profileEventOf(
      resolvedEvent({
        type: 'identify',
        traits: { plan: 'pro' },
        context: { traits: { plan: 'free', city: 'Berlin' } },
      }),
    );
    expect(event.traits).toEqual({ plan: 'pro', city: 'Berlin' });
  });

  it('keeps group traits out of a folded profile while context traits land in it', () => {
    const profile = fold([
      profileEventOf(
        resolvedEvent({
          type: 'group',
          groupId: 'g1',
          traits: { name: 'Acme Inc', employees: 50 },
          context: { traits: { name: 'Jane  Doe' } },
        }),
      ),
    ]);
    expect(Object.keys(profile.traits)).toEqual(['name']);
    expect(profile.traits.name.value).toBe('Jane Doe');
  });

  it('takes the event name of a track call', () => {
    const event = profileEventOf(
      resolvedEvent({ type: 'track', event: 'Order Completed', properties: { revenue: 5 } }),
    );
    expect(event).toMatchObject({
      type: 'track',
      event: 'Order Completed',
      properties: { revenue: 5 },
    });
  });

  it('uses the client timestamp as the event time', () => {
    const event = profileEventOf(resolvedEvent({ timestamp: T, receivedAt: T + 5000 }));
    expect(event.at).toBe(T);
  });

  it('falls back to the time ingestion received the event when there is no timestamp', () => {
    const event = profileEventOf(resolvedEvent({ timestamp: null, receivedAt: T + 5000 }));
    expect(event.at).toBe(T + 5000);
  });

  it('takes the identifiers, source and messageId of the resolved event', () => {
    const event = profileEventOf(
      resolvedEvent({
        messageId: 'm9',
        sourceId: 'ios-app',
        identifiers: [user('u1'), email('jane@example.org')],
      }),
    );
    expect(event).toMatchObject({
      messageId: 'm9',
      sourceId: 'ios-app',
      identifiers: [user('u1'), email('jane@example.org')],
    });
  });

  it('takes only the boolean consent preferences from context.consent', () => {
    const event = profileEventOf(
      resolvedEvent({
        context: {
          consent: { categoryPreferences: { marketing: true, analytics: false, ads: 'yes' } },
        },
      }),
    );
    expect(event.consent).toEqual({ marketing: true, analytics: false });
  });

  it('has no consent when the preferences are empty', () => {
    const event = profileEventOf(
      resolvedEvent({ context: { consent: { categoryPreferences: {} } } }),
    );
    expect(event.consent).toBeNull();
  });

  it('takes the user agent from the context', () => {
    const event = profileEventOf(resolvedEvent({ context: { userAgent: IPHONE_SAFARI } }));
    expect(event.userAgent).toBe(IPHONE_SAFARI);
  });

  it('has no user agent, consent, traits or properties when there is no context', () => {
    const event = profileEventOf(resolvedEvent({ type: 'page', name: 'Home' }));
    expect(event).toMatchObject({
      event: null,
      userAgent: null,
      consent: null,
      traits: {},
      properties: {},
    });
  });
});

describe('traits named like built-in object properties', () => {
  it('keeps traits called __proto__, constructor and toString as plain traits', () => {
    const traits = JSON.parse(
      '{"__proto__": "p", "constructor": "c", "toString": "t"}',
    ) as JsonObject;
    const profile = foldEvents(
      emptyProfile(),
      [
        aProfileEvent({ traits }),
        aProfileEvent({ traits: { constructor: 'later' }, at: T + HOUR }),
      ],
      options,
    );
    expect(Object.keys(profile.traits).sort()).toEqual(['__proto__', 'constructor', 'toString']);
    expect(profile.traits['constructor' as string].value).toBe('later');
    expect(Object.getPrototypeOf(profile.traits)).toBe(Object.prototype);
  });
});
