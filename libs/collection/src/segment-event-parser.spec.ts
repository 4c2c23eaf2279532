import { AvroCodec, type Event, type EventType, type JsonObject } from '@tessera/contracts';
import type { FieldProblem } from './field-problem';
import { parseSegmentEvent, type ParseOptions, type ParseResult } from './segment-event-parser';

const SECOND = 1_000;
const HOUR = 3_600 * SECOND;

/** When the server received the calls: 2024-03-05 12:00:05 UTC, computed without parsing text. */
const RECEIVED_AT = Date.UTC(2024, 2, 5, 12, 0, 5);

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The smallest call of each type the Segment spec accepts. */
const MINIMAL_CALLS: Record<EventType, JsonObject> = {
  track: { type: 'track', event: 'Order Completed', userId: 'user-1' },
  identify: { type: 'identify', userId: 'user-1' },
  page: { type: 'page', userId: 'user-1' },
  screen: { type: 'screen', userId: 'user-1' },
  group: { type: 'group', groupId: 'acme', userId: 'user-1' },
  alias: { type: 'alias', previousId: 'anon-1', userId: 'user-1' },
};
const TYPES = Object.keys(MINIMAL_CALLS) as EventType[];

const codec = new AvroCodec();

/** 1e400 is valid JSON, but JSON.parse turns it into Infinity, which JSON cannot write back. */
const INFINITE_REVENUE = '{"type":"track","userId":"u","event":"E","properties":{"revenue":1e400}}';

function parse(input: unknown, options: Partial<ParseOptions> = {}): ParseResult {
  return parseSegmentEvent(input, { sourceId: 'source-web', receivedAt: RECEIVED_AT, ...options });
}

/** A track call with what the test is about added or replaced. */
function track(fields: JsonObject = {}): JsonObject {
  return { ...MINIMAL_CALLS.track, ...fields };
}

/** The same call without the named fields. */
function without(call: JsonObject, ...fields: string[]): JsonObject {
  return Object.fromEntries(Object.entries(call).filter(([key]) => !fields.includes(key)));
}

function accepted(result: ParseResult): Event {
  if (!result.ok) throw new Error(`the call was rejected: ${JSON.stringify(result.problems)}`);
  return result.event;
}

function problemsOf(result: ParseResult): FieldProblem[] {
  if (result.ok) throw new Error(`the call was accepted: ${JSON.stringify(result.event)}`);
  return result.problems;
}

const pathsOf = (result: ParseResult) => problemsOf(result).map((problem) => problem.path);

/** Why the contracts codec refuses the parsed event, or null when it encodes it (or the parser rejected the call). */
function codecRefusal(result: ParseResult): string | null {
  if (!result.ok) return null;
  try {
    codec.encode('Event', result.event);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

describe('parseSegmentEvent', () => {
  describe('call types', () => {
    it.each(TYPES)('accepts a minimal %s call', (type) => {
      expect(accepted(parse(MINIMAL_CALLS[type])).type).toBe(type);
    });

    it("keeps a track call's event name", () => {
      expect(accepted(parse(track())).event).toBe('Order Completed');
    });

    it('rejects a track call without an event name at path event', () => {
      expect(pathsOf(parse(without(track(), 'event')))).toEqual(['event']);
    });

    it('rejects a track call whose event name is empty', () => {
      expect(pathsOf(parse(track({ event: '' })))).toEqual(['event']);
    });

    it("keeps an identify call's traits", () => {
      const traits = { email: 'ada@example.com', plan: 'pro', logins: 5 };

      expect(accepted(parse({ ...MINIMAL_CALLS.identify, traits })).traits).toEqual(traits);
    });

    it.each(['page', 'screen'] as const)('accepts a %s call without a name', (type) => {
      expect(accepted(parse(MINIMAL_CALLS[type])).name).toBeNull();
    });

    it.each(['page', 'screen'] as const)("keeps a %s call's name and properties", (type) => {
      const call = { ...MINIMAL_CALLS[type], name: 'Pricing', properties: { path: '/pricing' } };
      const event = accepted(parse(call));

      expect([event.name, event.properties]).toEqual(['Pricing', { path: '/pricing' }]);
    });

    it("keeps a group call's groupId and traits", () => {
      const call = { ...MINIMAL_CALLS.group, traits: { name: 'Acme Inc', employees: 400 } };
      const event = accepted(parse(call));

      expect([event.groupId, event.traits]).toEqual(['acme', { name: 'Acme Inc', employees: 400 }]);
    });

    it('rejects a group call without a groupId at path groupId', () => {
      expect(pathsOf(parse(without(MINIMAL_CALLS.group, 'groupId')))).toEqual(['groupId']);
    });

    it("keeps an alias call's previousId and userId", () => {
      const event = accepted(parse(MINIMAL_CALLS.alias));

      expect([event.previousId, event.userId]).toEqual(['anon-1', 'user-1']);
    });

    it('rejects an alias call without a previousId at path previousId', () => {
      expect(pathsOf(parse(without(MINIMAL_CALLS.alias, 'previousId')))).toEqual(['previousId']);
    });

    it('rejects an alias call that names its new identity only by anonymousId', () => {
      const call = { ...without(MINIMAL_CALLS.alias, 'userId'), anonymousId: 'anon-2' };

      expect(pathsOf(parse(call))).toContain('userId');
    });

    it('sets the fields a call type does not use to null', () => {
      const event = accepted(parse(MINIMAL_CALLS.identify));

      expect([event.event, event.name, event.groupId, event.previousId]).toEqual([
        null,
        null,
        null,
        null,
      ]);
    });

    it('stamps the event with its source and receipt time', () => {
      const event = accepted(parse(track(), { sourceId: 'source-ios' }));

      expect([event.sourceId, event.receivedAt]).toEqual(['source-ios', RECEIVED_AT]);
    });

    it('starts an event with no tracking-plan violations', () => {
      expect(accepted(parse(track())).violations).toEqual([]);
    });
  });

  describe('type', () => {
    it('rejects a batch item without a type at path type', () => {
      expect(pathsOf(parse(without(track(), 'type')))).toEqual(['type']);
    });

    it('rejects a type the Segment spec does not define', () => {
      expect(pathsOf(parse(track({ type: 'purchase' })))).toEqual(['type']);
    });

    it('rejects a type spelled in another case, as the spec names types in lower case', () => {
      expect(pathsOf(parse(track({ type: 'Track' })))).toEqual(['type']);
    });

    it("takes the endpoint's type when the body has none", () => {
      const event = accepted(parse(without(track(), 'type'), { type: 'track' }));

      expect(event.type).toBe('track');
    });

    it("accepts a body whose type matches the endpoint's", () => {
      expect(accepted(parse(track(), { type: 'track' })).type).toBe('track');
    });

    it("rejects a body whose type differs from the endpoint's at path type", () => {
      const call = { ...MINIMAL_CALLS.identify, event: 'Order Completed' };

      expect(pathsOf(parse(call, { type: 'track' }))).toEqual(['type']);
    });

    it('names both types in the message of a type conflict', () => {
      const [problem] = problemsOf(parse(MINIMAL_CALLS.page, { type: 'screen' }));

      expect(problem?.message).toMatch(/screen.*page|page.*screen/);
    });
  });

  describe('identity', () => {
    it.each(TYPES)('rejects a %s call with neither userId nor anonymousId', (type) => {
      expect(pathsOf(parse(without(MINIMAL_CALLS[type], 'userId')))).toContain('userId');
    });

    it.each(TYPES.filter((type) => type !== 'alias'))(
      'accepts a %s call identified only by an anonymousId',
      (type) => {
        const call = { ...without(MINIMAL_CALLS[type], 'userId'), anonymousId: 'anon-7f3a' };
        const event = accepted(parse(call));

        expect([event.userId, event.anonymousId]).toEqual([null, 'anon-7f3a']);
      },
    );

    it('keeps both ids when a call carries both', () => {
      const event = accepted(parse(track({ anonymousId: 'anon-7f3a' })));

      expect([event.userId, event.anonymousId]).toEqual(['user-1', 'anon-7f3a']);
    });

    it('treats empty ids as absent', () => {
      expect(pathsOf(parse(track({ userId: '', anonymousId: '' })))).toEqual(['userId']);
    });

    it('treats null ids as absent', () => {
      expect(pathsOf(parse(track({ userId: null, anonymousId: null })))).toEqual(['userId']);
    });

    it('falls back to the anonymousId when the userId is null', () => {
      const event = accepted(parse(track({ userId: null, anonymousId: 'anon-7f3a' })));

      expect([event.userId, event.anonymousId]).toEqual([null, 'anon-7f3a']);
    });
  });

  describe('messageId', () => {
    it("keeps the client's messageId", () => {
      const messageId = 'ajs-next-1709640005000-3b3a1d2c';

      expect(accepted(parse(track({ messageId }))).messageId).toBe(messageId);
    });

    it('generates a UUID when the client sent none', () => {
      expect(accepted(parse(track())).messageId).toMatch(UUID_V4);
    });

    it('generates a UUID when the client sent an empty messageId', () => {
      expect(accepted(parse(track({ messageId: '' }))).messageId).toMatch(UUID_V4);
    });

    it('generates a different messageId for each call that has none', () => {
      const ids = new Set([1, 2, 3].map(() => accepted(parse(track())).messageId));

      expect(ids.size).toBe(3);
    });

    it("returns a rejected call's messageId with its problems", () => {
      const result = parse(without(track({ messageId: 'm-1' }), 'event'));

      expect(result).toMatchObject({ ok: false, messageId: 'm-1' });
    });

    it('returns no messageId for a rejected call that had none', () => {
      expect(parse(without(track(), 'event'))).toMatchObject({ ok: false, messageId: null });
    });
  });

  describe('numeric ids', () => {
    it.each(['userId', 'anonymousId', 'messageId'] as const)(
      'stringifies a numeric %s',
      (field) => {
        expect(accepted(parse(track({ [field]: 12345 })))[field]).toBe('12345');
      },
    );

    it('stringifies a numeric groupId', () => {
      expect(accepted(parse({ ...MINIMAL_CALLS.group, groupId: 77 })).groupId).toBe('77');
    });

    it('stringifies a numeric previousId', () => {
      expect(accepted(parse({ ...MINIMAL_CALLS.alias, previousId: 9 })).previousId).toBe('9');
    });

    it('takes a userId of 0 as an id, not as a missing one', () => {
      expect(accepted(parse(track({ userId: 0 }))).userId).toBe('0');
    });
  });

  describe('input that is not an event object', () => {
    it.each([
      ['null', null],
      ['a string', 'track'],
      ['a number', 42],
      ['a boolean', true],
      ['an array', [MINIMAL_CALLS.track]],
      ['undefined', undefined],
    ])('rejects %s as a whole, at the empty path', (_, input) => {
      expect(pathsOf(parse(input))).toEqual(['']);
    });

    it('returns no messageId for input that is not an object', () => {
      expect(parse('track')).toMatchObject({ ok: false, messageId: null });
    });
  });

  describe('fields of the wrong kind', () => {
    it.each<[string, unknown]>([
      ['userId', true],
      ['userId', { id: 1 }],
      ['anonymousId', ['a']],
      ['messageId', false],
      ['event', 42],
      ['name', { title: 'x' }],
      ['properties', ['revenue', 10]],
      ['properties', 'revenue=10'],
      ['traits', 7],
      ['context', 'web'],
      ['integrations', true],
      ['timestamp', 1709640000000],
      ['sentAt', { iso: '2024-03-05T12:00:00Z' }],
      ['originalTimestamp', false],
    ])('reports %s given as %j at its own path', (field, value) => {
      const call = { ...track({ anonymousId: 'anon-1' }), [field]: value };

      expect(new Set(pathsOf(parse(call)))).toEqual(new Set([field]));
    });

    it('reports a groupId that is not a string or number at path groupId', () => {
      const call = { ...MINIMAL_CALLS.group, groupId: { id: 'acme' } };

      expect(new Set(pathsOf(parse(call)))).toEqual(new Set(['groupId']));
    });

    it('reports a previousId that is not a string or number at path previousId', () => {
      const call = { ...MINIMAL_CALLS.alias, previousId: true };

      expect(new Set(pathsOf(parse(call)))).toEqual(new Set(['previousId']));
    });

    it('reports every wrong field of a call at once', () => {
      const call = track({ event: 1, properties: [], timestamp: 'yesterday' });

      expect(new Set(pathsOf(parse(call)))).toEqual(new Set(['event', 'properties', 'timestamp']));
    });

    it('reports a required field sent with the wrong kind of value once, not also as missing', () => {
      const problems = problemsOf(parse(track({ event: 42 })));

      expect(problems).toEqual([{ path: 'event', message: expect.any(String) as string }]);
    });

    it('refuses a userId far longer than any real id', () => {
      const call = track({ userId: 'u'.repeat(100_000), anonymousId: 'anon-1' });

      expect(pathsOf(parse(call))).toEqual(['userId']);
    });
  });

  describe('free-form objects', () => {
    it('keeps nested properties, arrays and nulls exactly as sent', () => {
      const properties = {
        revenue: 42.5,
        products: [{ sku: 'A-1', quantity: 2, tags: ['sale', null] }],
        shipping: { address: { city: 'Lyon' } },
        gift: false,
        coupon: null,
      };

      expect(accepted(parse(track({ properties }))).properties).toStrictEqual(properties);
    });

    it('keeps context and integrations exactly as sent', () => {
      const context = { ip: '203.0.113.7', library: { name: 'analytics.js', version: '4.1.0' } };
      const integrations = { All: true, Mixpanel: false, 'Google Analytics': { clientId: 'x' } };
      const event = accepted(parse(track({ context, integrations })));

      expect([event.context, event.integrations]).toStrictEqual([context, integrations]);
    });

    it('keeps an empty properties object as an empty object', () => {
      expect(accepted(parse(track({ properties: {} }))).properties).toEqual({});
    });

    it('sets free-form objects the call did not send to null', () => {
      const event = accepted(parse(track()));

      expect([event.properties, event.traits, event.context, event.integrations]).toEqual([
        null,
        null,
        null,
        null,
      ]);
    });

    it('does not change the call it was given', () => {
      const call = track({ properties: { revenue: 10 }, context: { ip: '203.0.113.7' } });
      const before = structuredClone(call);
      parse(call, { defaults: { context: { library: { name: 'analytics-node' } } } });

      expect(call).toStrictEqual(before);
    });
  });

  describe('unicode', () => {
    it('keeps a non-ASCII event name', () => {
      const event = '注文完了 – Bestellung abgeschlossen ✓';

      expect(accepted(parse(track({ event }))).event).toBe(event);
    });

    it('keeps non-ASCII property names and values', () => {
      const properties = { größe: 'XL', città: 'Zürich', 'emoji 🚀': '👩🏽‍💻', ' ': '\u0000' };

      expect(accepted(parse(track({ properties }))).properties).toStrictEqual(properties);
    });

    it('keeps an id of characters outside the Basic Multilingual Plane', () => {
      expect(accepted(parse(track({ userId: '𝒜𝒹𝒶 🦄' }))).userId).toBe('𝒜𝒹𝒶 🦄');
    });

    it('keeps ids exactly as sent, without Unicode normalisation', () => {
      // 'José' composed (U+00E9) and decomposed (e + U+0301) are different ids to the source system.
      const composed = accepted(parse(track({ userId: 'Jos\u00e9' }))).userId;
      const decomposed = accepted(parse(track({ userId: 'Jose\u0301' }))).userId;

      expect([composed, decomposed]).toEqual(['Jos\u00e9', 'Jose\u0301']);
    });

    it('keeps unicode arriving as JSON escapes', () => {
      const call: unknown = JSON.parse(
        '{"type":"track","userId":"u","event":"Caf\\u00e9 \\ud83d\\ude80"}',
      );

      expect(accepted(parse(call)).event).toBe('Café 🚀');
    });
  });

  describe('batch defaults', () => {
    const library = { name: 'analytics-python', version: '2.3.2' };

    it('gives an event without its own context the batch context', () => {
      const event = accepted(parse(track(), { defaults: { context: { library } } }));

      expect(event.context).toEqual({ library });
    });

    it("keeps the batch context keys the event's own context does not set", () => {
      const defaults = { context: { library, locale: 'en-US' } };
      const event = accepted(parse(track({ context: { ip: '203.0.113.7' } }), { defaults }));

      expect(event.context).toEqual({ library, locale: 'en-US', ip: '203.0.113.7' });
    });

    it("lets the event's own context key win over the batch's", () => {
      const defaults = { context: { locale: 'en-US', library } };
      const event = accepted(parse(track({ context: { locale: 'fr-FR' } }), { defaults }));

      expect(event.context).toEqual({ locale: 'fr-FR', library });
    });

    it("lets the event's own integrations win over the batch's, keeping the rest", () => {
      const defaults = { integrations: { All: false, Mixpanel: true } };
      const event = accepted(parse(track({ integrations: { All: true } }), { defaults }));

      expect(event.integrations).toEqual({ All: true, Mixpanel: true });
    });

    it('does not change the batch defaults shared by the other events of the batch', () => {
      const defaults = { context: { library }, integrations: { All: true } };
      parse(track({ context: { library: { name: 'mine' } }, integrations: { All: false } }), {
        defaults,
      });

      expect(defaults).toEqual({ context: { library }, integrations: { All: true } });
    });
  });

  describe('timestamps', () => {
    const NOON = Date.UTC(2024, 2, 5, 12, 0, 0);

    it('reads an ISO 8601 UTC timestamp to epoch milliseconds', () => {
      const event = accepted(parse(track({ timestamp: '2024-03-05T12:00:00.250Z' })));

      expect(event.timestamp).toBe(NOON + 250);
    });

    it('reads an ISO 8601 timestamp with an offset at the instant it names', () => {
      const event = accepted(parse(track({ timestamp: '2024-03-05T13:30:00+01:30' })));

      expect(event.timestamp).toBe(NOON);
    });

    it("takes the client's timestamp as is when the call has no sentAt", () => {
      const event = accepted(parse(track({ timestamp: '2024-03-01T08:00:00Z' })));

      expect(event.timestamp).toBe(Date.UTC(2024, 2, 1, 8));
    });

    it('takes the receipt time as the timestamp when the client gave no time', () => {
      expect(accepted(parse(track())).timestamp).toBe(RECEIVED_AT);
    });

    it('takes the receipt time as the timestamp when the client gave only sentAt', () => {
      const event = accepted(parse(track({ sentAt: '2024-03-05T13:00:04Z' })));

      expect(event.timestamp).toBe(RECEIVED_AT);
    });

    it('corrects the time of a client whose clock is one hour ahead', () => {
      // Happened at 12:00:00 server time, the client's clock said 13:00:00; sent 5 s later by
      // that clock and received at 12:00:05 server time.
      const call = track({ timestamp: '2024-03-05T13:00:00Z', sentAt: '2024-03-05T13:00:05Z' });

      expect(accepted(parse(call)).timestamp).toBe(NOON);
    });

    it('corrects the time of a client whose clock is behind', () => {
      const call = track({ timestamp: '2024-03-05T11:45:00Z', sentAt: '2024-03-05T11:45:05Z' });

      expect(accepted(parse(call)).timestamp).toBe(NOON);
    });

    it("keeps the client's own time of the event as originalTimestamp", () => {
      const call = track({ timestamp: '2024-03-05T13:00:00Z', sentAt: '2024-03-05T13:00:05Z' });

      expect(accepted(parse(call)).originalTimestamp).toBe(NOON + HOUR);
    });

    it("keeps the client's sentAt", () => {
      const call = track({ timestamp: '2024-03-05T13:00:00Z', sentAt: '2024-03-05T13:00:05Z' });

      expect(accepted(parse(call)).sentAt).toBe(NOON + HOUR + 5 * SECOND);
    });

    it('takes an explicit timestamp over the SDK call time in originalTimestamp, and keeps both', () => {
      // RudderStack's SDKs send the caller's backdated `timestamp` next to their own call time.
      const call = track({
        originalTimestamp: '2024-03-05T13:00:03Z',
        timestamp: '2024-03-05T13:00:00Z',
        sentAt: '2024-03-05T13:00:05Z',
      });
      const event = accepted(parse(call));

      expect(event.timestamp).toBe(NOON);
      expect(event.originalTimestamp).toBe(NOON + HOUR + 3 * SECOND);
    });

    it('corrects with the batch sentAt an event that has none of its own', () => {
      const call = track({ timestamp: '2024-03-05T13:00:00Z' });
      const event = accepted(parse(call, { defaults: { sentAt: '2024-03-05T13:00:05Z' } }));

      expect([event.timestamp, event.sentAt]).toEqual([NOON, NOON + HOUR + 5 * SECOND]);
    });

    it("takes the event's own sentAt over the batch's", () => {
      const call = track({ timestamp: '2024-03-05T13:00:00Z', sentAt: '2024-03-05T13:00:05Z' });
      const event = accepted(parse(call, { defaults: { sentAt: '2024-03-05T12:00:00Z' } }));

      expect(event.timestamp).toBe(NOON);
    });

    it.each(['timestamp', 'sentAt', 'originalTimestamp'])(
      'reports a %s that is not a date at its own path',
      (field) => {
        expect(pathsOf(parse(track({ [field]: 'not a date' })))).toEqual([field]);
      },
    );

    it('reports a timestamp with an impossible month and day', () => {
      expect(pathsOf(parse(track({ timestamp: '2024-13-45T00:00:00Z' })))).toEqual(['timestamp']);
    });

    it('reports a batch sentAt that is not a date at path sentAt', () => {
      const result = parse(track(), { defaults: { sentAt: 'soon' } });

      expect(pathsOf(result)).toEqual(['sentAt']);
    });

    it.each([
      ['an English date', 'March 5, 2024'],
      ['an HTTP date', 'Tue, 05 Mar 2024 12:00:00 GMT'],
      ['a US date', '03/05/2024'],
      ['a bare number', '1'],
      ['words ending in a number', 'sometime in 2'],
    ])('rejects %s, which is not ISO 8601', (_, timestamp) => {
      expect(pathsOf(parse(track({ timestamp })))).toEqual(['timestamp']);
    });

    it('reads a timestamp without a UTC offset as UTC, as the Segment spec says all timestamps are', () => {
      // Date.parse reads this form in the host's time zone: run with TZ=Asia/Kolkata to see it.
      const event = accepted(parse(track({ timestamp: '2024-03-05T12:00:00' })));

      expect(event.timestamp).toBe(NOON);
    });
  });

  describe('what the contracts codec can carry', () => {
    it('produces an event the Event schema encodes', () => {
      const call = track({
        messageId: 'm-1',
        anonymousId: 'anon-1',
        properties: { revenue: 42.5, products: [{ sku: 'A-1' }] },
        context: { ip: '203.0.113.7' },
        timestamp: '2024-03-05T13:00:00Z',
        sentAt: '2024-03-05T13:00:05Z',
      });

      expect(codecRefusal(parse(call))).toBeNull();
    });

    it('never accepts a property number JSON turns into Infinity, such as 1e400', () => {
      const call: unknown = JSON.parse(INFINITE_REVENUE);

      expect(codecRefusal(parse(call))).toBeNull();
    });

    it('reports a property number JSON turns into Infinity at its path', () => {
      const call: unknown = JSON.parse(INFINITE_REVENUE);

      expect(pathsOf(parse(call))).toEqual(['properties.revenue']);
    });

    it('never accepts properties nested deeper than the codec carries', () => {
      const deep = JSON.parse(`${'{"a":'.repeat(300)}1${'}'.repeat(300)}`) as JsonObject;

      expect(codecRefusal(parse(track({ properties: deep })))).toBeNull();
    });

    it('never accepts a client clock so far off that the corrected time is not a date', () => {
      // A sentAt in the year -270000 and a timestamp in +270000: the "skew" is 540 000 years.
      const call = track({
        timestamp: '+270000-01-01T00:00:00Z',
        sentAt: '-270000-01-01T00:00:00Z',
      });

      expect(codecRefusal(parse(call))).toBeNull();
    });
  });
});
