import { differences, referenceProfiles, type ObservedProfile } from './reference-model';
import type { ScriptedCall } from './scenario';

const at = '2026-12-03T10:00:00.000Z';
const call = (messageId: string, fields: Partial<ScriptedCall>): ScriptedCall => ({
  type: 'track',
  messageId,
  timestamp: at,
  ...fields,
});
const order = (messageId: string, who: Partial<ScriptedCall>, revenue: number) =>
  call(messageId, { ...who, event: 'Order Completed', properties: { revenue } });

const stream: ScriptedCall[] = [
  call('m1', { type: 'page', anonymousId: 'a1' }),
  call('m2', {
    type: 'identify',
    userId: 'u1',
    anonymousId: 'a1',
    traits: { email: 'Ana@Shop.example.org' },
  }),
  call('m3', { type: 'identify', anonymousId: 'a3', traits: { email: 'ana@shop.example.org' } }),
  order('m4', { userId: 'u1' }, 0.1),
  order('m5', { anonymousId: 'a3' }, 0.2),
  order('m5', { anonymousId: 'a3' }, 0.2), // a client's retry: the same call
  order('m6', { anonymousId: 'b1' }, 300),
];

describe('referenceProfiles', () => {
  const profiles = referenceProfiles(stream);

  it('unions identifiers seen together, through the email, and counts each call once', () => {
    expect(profiles).toEqual([
      {
        identifiers: [
          'anonymous_id:a1',
          'anonymous_id:a3',
          'email:ana@shop.example.org',
          'user_id:u1',
        ],
        eventCount: 5,
        callCounts: { page: 1, identify: 2, track: 2 },
        orderCount: 2,
        revenueMinor: 30,
        audiences: ['fault-buyers'],
      },
      {
        identifiers: ['anonymous_id:b1'],
        eventCount: 1,
        callCounts: { track: 1 },
        orderCount: 1,
        revenueMinor: 30_000,
        audiences: ['fault-big-spenders', 'fault-buyers'],
      },
    ]);
  });

  it('gives the same profiles whatever the order of the calls', () => {
    expect(referenceProfiles([...stream].reverse())).toEqual(profiles);
  });
});

describe('differences', () => {
  const expected = referenceProfiles(stream);
  const observed = (): ObservedProfile[] => [
    {
      profileId: 'p_ana',
      identifiers: [
        { type: 'user_id', value: 'u1' },
        { type: 'anonymous_id', value: 'a1' },
        { type: 'anonymous_id', value: 'a3' },
        { type: 'email', value: 'ana@shop.example.org' },
      ],
      computed: {
        eventCount: 5,
        callCounts: { page: 1, identify: 2, track: 2 },
        orderCount: 2,
        revenueTotal: 0.3,
      },
      audiences: ['fault-buyers'],
    },
    {
      profileId: 'p_b',
      identifiers: [{ type: 'anonymous_id', value: 'b1' }],
      computed: { eventCount: 1, callCounts: { track: 1 }, orderCount: 1, revenueTotal: 300 },
      audiences: ['fault-buyers', 'fault-big-spenders'],
    },
  ];

  it('finds none when the pipeline agrees with the reference', () => {
    expect(differences(expected, observed())).toEqual([]);
  });

  it('names a double-counted order and its revenue', () => {
    const profiles = observed();
    profiles[1].computed = { ...profiles[1].computed, orderCount: 2, revenueTotal: 600 };
    expect(differences(expected, profiles)).toEqual([
      'anonymous_id:b1 (p_b): orderCount 2, expected 1',
      'anonymous_id:b1 (p_b): revenue (cents) 60000, expected 30000',
    ]);
  });

  it('names a lost event', () => {
    const profiles = observed();
    profiles[0].computed = {
      ...profiles[0].computed,
      eventCount: 4,
      callCounts: { page: 1, identify: 1, track: 2 },
    };
    expect(differences(expected, profiles)).toEqual([
      'anonymous_id:a1 (p_ana): eventCount 4, expected 5',
      'anonymous_id:a1 (p_ana): identify calls 1, expected 2',
    ]);
  });

  it('names a profile split in two, and a wrong audience membership', () => {
    const profiles = observed();
    const [ana] = profiles;
    profiles.push({ ...ana, profileId: 'p_ana2', identifiers: [ana.identifiers.pop()!] });
    profiles[1].audiences = ['fault-buyers'];
    expect(differences(expected, profiles)).toEqual([
      'anonymous_id:a1: split over p_ana, p_ana2',
      'anonymous_id:b1 (p_b): audiences [fault-buyers], expected [fault-big-spenders, fault-buyers]',
    ]);
  });

  it('names an identifier missing, one held twice, and a profile the reference lacks', () => {
    const profiles = observed();
    profiles[1].identifiers = [];
    profiles.push({
      ...profiles[1],
      profileId: 'p_extra',
      identifiers: [{ type: 'user_id', value: 'u1' }],
    });
    expect(differences(expected, profiles)).toEqual([
      'user_id:u1 is in two profiles: p_ana and p_extra',
      'anonymous_id:a1: split over p_ana, p_extra',
      'anonymous_id:b1: no profile holds anonymous_id:b1',
      'p_b: a profile the reference does not have',
    ]);
  });
});
