import fc from 'fast-check';
import { AvroCodec, type Event, type EventType, type JsonObject } from '@tessera/contracts';
import { parseSegmentEvent, type ParseResult } from './segment-event-parser';

const RECEIVED_AT = Date.UTC(2024, 2, 5, 12, 0, 5);
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TYPES: EventType[] = ['track', 'identify', 'page', 'screen', 'group', 'alias'];

const codec = new AvroCodec();

const text = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 });
/** Ids as clients send them: text, or numbers that Segment stringifies. */
const id = fc.oneof(text, fc.maxSafeInteger());
const jsonObject = fc.dictionary(
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.jsonValue({ maxDepth: 3 }),
  { maxKeys: 6 },
) as fc.Arbitrary<JsonObject>;
/** Times as a client with a sane clock writes them. */
const recentTime = fc
  .date({
    min: new Date('2000-01-01T00:00:00Z'),
    max: new Date('2100-01-01T00:00:00Z'),
    noInvalidDate: true,
  })
  .map((date) => date.toISOString());
/** Any time ISO 8601 can write, as a client with a broken clock might. */
const anyTime = fc.date({ noInvalidDate: true }).map((date) => date.toISOString());

/** Identity as the spec allows it: a userId, an anonymousId, or both. */
const identity = fc.oneof(
  fc.record({ userId: id }),
  fc.record({ anonymousId: id }),
  fc.record({ userId: id, anonymousId: id }),
);

const trackCall = fc
  .tuple(
    identity,
    fc.record(
      {
        type: fc.constant('track'),
        event: text,
        messageId: id,
        properties: jsonObject,
        context: jsonObject,
        integrations: jsonObject,
        timestamp: recentTime,
        sentAt: recentTime,
      },
      { requiredKeys: ['type', 'event'] },
    ),
  )
  .map(([ids, call]) => ({ ...ids, ...call }));

const identifyCall = fc
  .tuple(identity, fc.record({ type: fc.constant('identify'), traits: jsonObject }))
  .map(([ids, call]) => ({ ...ids, ...call }));

/** A call of any type with every field its type needs, times from any era, and batch defaults. */
const anyValidCall = fc.record({
  call: fc
    .tuple(
      fc.constantFrom(...TYPES),
      identity,
      fc.record(
        {
          messageId: id,
          event: text,
          name: text,
          groupId: id,
          previousId: id,
          properties: jsonObject,
          traits: jsonObject,
          context: jsonObject,
          integrations: jsonObject,
          timestamp: anyTime,
          originalTimestamp: anyTime,
          sentAt: anyTime,
        },
        { requiredKeys: ['event', 'groupId', 'previousId'] },
      ),
      id,
    )
    .map(([type, ids, fields, userId]) => ({
      type,
      ...fields,
      ...ids,
      ...(type === 'alias' ? { userId } : {}),
    })),
  defaults: fc.record(
    { context: jsonObject, integrations: jsonObject, sentAt: anyTime },
    { requiredKeys: [] },
  ),
});

/** What a call looks like to the parser: the HTTP layer hands it over as parsed JSON. */
function overTheWire<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function accepted(result: ParseResult): Event {
  if (!result.ok) throw new Error(`the call was rejected: ${JSON.stringify(result.problems)}`);
  return result.event;
}

const parse = (call: unknown) =>
  parseSegmentEvent(overTheWire(call), { sourceId: 'source-web', receivedAt: RECEIVED_AT });

describe('parseSegmentEvent properties', () => {
  it('accepts every valid track call', () => {
    fc.assert(
      fc.property(trackCall, (call) => {
        expect(parse(call).ok).toBe(true);
      }),
    );
  });

  it('keeps the properties, context and integrations of any valid track call untouched', () => {
    fc.assert(
      fc.property(trackCall, (call) => {
        const event = accepted(parse(call));
        const sent = overTheWire(call);

        expect([event.properties, event.context, event.integrations]).toStrictEqual([
          sent.properties ?? null,
          sent.context ?? null,
          sent.integrations ?? null,
        ]);
      }),
    );
  });

  it('keeps the traits of any valid identify call untouched', () => {
    fc.assert(
      fc.property(identifyCall, (call) => {
        expect(accepted(parse(call)).traits).toStrictEqual(overTheWire(call).traits);
      }),
    );
  });

  it("keeps any client's messageId as a string", () => {
    fc.assert(
      fc.property(trackCall, id, (call, messageId) => {
        expect(accepted(parse({ ...call, messageId })).messageId).toBe(String(messageId));
      }),
    );
  });

  it('gives any track call without a messageId a UUID', () => {
    fc.assert(
      fc.property(trackCall, ({ messageId: _, ...call }) => {
        expect(accepted(parse(call)).messageId).toMatch(UUID_V4);
      }),
    );
  });

  it('keeps any id as the string form of what the client sent', () => {
    fc.assert(
      fc.property(trackCall, id, id, (call, userId, anonymousId) => {
        const event = accepted(parse({ ...call, userId, anonymousId }));

        expect([event.userId, event.anonymousId]).toEqual([String(userId), String(anonymousId)]);
      }),
    );
  });

  it('rejects any call of any type that has neither userId nor anonymousId', () => {
    fc.assert(
      fc.property(anyValidCall, ({ call }) => {
        const { userId: _u, anonymousId: _a, ...anonymous } = call as Record<string, unknown>;

        expect(parse(anonymous).ok).toBe(false);
      }),
    );
  });

  it('keeps the gap the client measured between the event and the send for any call', () => {
    fc.assert(
      fc.property(trackCall, recentTime, recentTime, (call, timestamp, sentAt) => {
        const event = accepted(parse({ ...call, timestamp, sentAt }));

        expect(RECEIVED_AT - (event.timestamp ?? Number.NaN)).toBe(
          new Date(sentAt).getTime() - new Date(timestamp).getTime(),
        );
      }),
    );
  });

  it('produces only events the contracts codec encodes, whatever the call and batch defaults', () => {
    fc.assert(
      fc.property(anyValidCall, ({ call, defaults }) => {
        const result = parseSegmentEvent(overTheWire(call), {
          sourceId: 'source-web',
          receivedAt: RECEIVED_AT,
          defaults: overTheWire(defaults),
        });
        fc.pre(result.ok);
        if (!result.ok) return;

        expect(() => codec.encode('Event', result.event)).not.toThrow();
      }),
    );
  });
});
