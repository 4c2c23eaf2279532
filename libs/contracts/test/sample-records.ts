import type { Event, SchemaName, SchemaTypes } from '../src';

/** An Event with every optional field set, JSON fields nested and non-ASCII. */
export function sampleEvent(overrides: Partial<Event> = {}): Event {
  return {
    messageId: 'msg-0001',
    type: 'track',
    userId: 'user-42',
    anonymousId: 'anon-7f3a',
    event: 'Order Completed',
    name: null,
    groupId: null,
    previousId: null,
    properties: {
      revenue: 42.5,
      currency: 'EUR',
      products: [
        { sku: 'A-1', quantity: 2, tags: ['sale', null] },
        { sku: 'B-2', price: -0.5 },
      ],
      note: 'Grüße, 東京 🚀 "quoted" \\ \n tab\t',
      nested: { deeper: { deepest: [[], {}, [1, [2, [3]]]] } },
      flag: true,
      nothing: null,
    },
    traits: { email: 'ada@example.com', plan: 'pro' },
    context: {
      ip: '203.0.113.7',
      library: { name: 'analytics.js', version: '4.1.0' },
      locale: 'de-DE',
    },
    integrations: { All: true, Mixpanel: false },
    timestamp: 1_700_000_000_000,
    sentAt: 1_700_000_000_050,
    receivedAt: 1_700_000_000_100,
    originalTimestamp: 1_699_999_999_990,
    sourceId: 'source-web',
    violations: ['unplanned-event'],
    ...overrides,
  };
}

/** One representative record per contract schema. */
export const SAMPLE_RECORDS: { [N in SchemaName]: SchemaTypes[N] } = {
  Event: sampleEvent(),
  RejectedEvent: {
    reason: 'invalid_event',
    detail: 'The event has neither userId nor anonymousId',
    sourceId: 'source-web',
    receivedAt: 1_700_000_000_100,
    payload: Buffer.from('{"type":"track","event":"Signed Up"}'),
    contentType: 'application/json; charset=utf-8',
    errors: [
      { path: 'userId', message: 'one of userId and anonymousId is required' },
      { path: '', message: 'batch item 3 of 3' },
    ],
    channel: 'http',
    messageId: 'msg-3',
  },
  DeadLetter: {
    originalTopic: 'tessera.events.accepted.v1',
    partition: 3,
    offset: '9223372036854775807',
    key: Buffer.from([0x00, 0xff, 0x7f, 0x80]),
    value: Buffer.from([0xc3, 0x01, 0xde, 0xad, 0xbe, 0xef]),
    headers: [
      { key: 'traceparent', value: Buffer.from('00-abc-def-01') },
      { key: 'empty', value: null },
      { key: 'traceparent', value: Buffer.alloc(0) },
    ],
    reason: 'handler-failed',
    errorName: 'MongoServerError',
    errorMessage: 'E11000 duplicate key error — ünïcode',
    attempts: 3,
    consumerGroup: 'tessera-identity',
    failedAt: 1_700_000_123_456,
  },
  EventKey: { key: 'user-42' },
  ProfileKey: { profileId: 'prof-01HF7Q' },
  ResolvedEvent: {
    ...sampleEvent(),
    profileId: 'p_3q2-7wEvrLk1QYnNq2Yf0A',
    identifiers: [
      { type: 'user_id', value: 'user-42' },
      { type: 'email', value: 'ada@example.com' },
    ],
    unlinked: [
      {
        type: 'device_id',
        value: 'dev-9',
        reason: 'linking it would give a profile 2 user_id identifiers (limit 1)',
      },
    ],
    dropped: [{ type: 'phone', path: 'traits.phone', reason: 'not a valid phone number' }],
    resolvedAt: 1_700_000_000_200,
  },
  IdentityMerge: {
    from: 'p_zz',
    into: 'p_aa',
    reason: 'email:ada@example.com was in both profiles',
    messageId: 'msg-0001',
    identifiers: [{ type: 'email', value: 'ada@example.com' }],
    at: 1_700_000_000_300,
  },
  ProfileSnapshot: {
    profileId: 'p_aa',
    version: 7,
    identifiers: [
      { type: 'email', value: 'ada@example.com' },
      { type: 'user_id', value: 'user-42' },
    ],
    traits: {
      plan: { value: 'pro', at: 1_700_000_000_000, source: 'source-web', messageId: 'msg-0001' },
      address: {
        value: { city: 'Zürich', country: 'CH' },
        at: 1_699_000_000_000,
        source: 'source-crm',
        messageId: 'msg-0000',
      },
    },
    computed: {
      eventCount: 12,
      firstSeen: 1_699_000_000_000,
      lastSeen: 1_700_000_000_000,
      callCounts: { track: 10, identify: 2 },
      eventCounts: { 'Order Completed': 3, 'Product Viewed': 7 },
      orderCount: 3,
      revenueTotal: 127.5,
      averageOrderValue: 42.5,
      lastOrderAt: 1_700_000_000_000,
    },
    consent: {
      categoryPreferences: { advertising: false, analytics: true },
      at: 1_700_000_000_000,
      messageId: 'msg-0001',
    },
    device: {
      userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X)',
      browser: 'Mobile Safari',
      browserVersion: '17.1',
      os: 'iOS',
      osVersion: '17.1',
      deviceType: 'mobile',
      deviceVendor: 'Apple',
      deviceModel: 'iPhone',
      at: 1_700_000_000_000,
    },
    mergedFrom: ['p_zz'],
    changed: ['traits.plan', 'activity.orderCount', 'mergedFrom'],
    updatedAt: 1_700_000_000_400,
  },
};
