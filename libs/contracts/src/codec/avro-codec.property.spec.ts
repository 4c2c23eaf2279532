import fc from 'fast-check';
import { sampleEvent } from '../../test/sample-records';
import type { Event, EventType } from '../generated/schema-types';
import type { JsonObject } from '../json-value';
import { AvroCodec } from './avro-codec';
import { CodecError } from './codec-error';
import { singleObjectHeader } from './wire-format';

const codec = new AvroCodec({ confluentSchemaIds: { 1: 'Event' } });

const EVENT_TYPES: EventType[] = ['track', 'identify', 'page', 'screen', 'group', 'alias'];

const text = fc.string({ unit: 'grapheme', maxLength: 30 });
const nullableText = fc.option(text, { nil: null });
const jsonObject = fc.dictionary(text, fc.jsonValue({ maxDepth: 4 }), {
  maxKeys: 6,
}) as fc.Arbitrary<JsonObject>;
const nullableJson = fc.option(jsonObject, { nil: null });
const epochMillis = fc.maxSafeInteger();

const anyEvent: fc.Arbitrary<Event> = fc.record({
  messageId: text,
  type: fc.constantFrom(...EVENT_TYPES),
  userId: nullableText,
  anonymousId: nullableText,
  event: nullableText,
  name: nullableText,
  groupId: nullableText,
  previousId: nullableText,
  properties: nullableJson,
  traits: nullableJson,
  context: nullableJson,
  integrations: nullableJson,
  timestamp: fc.option(epochMillis, { nil: null }),
  sentAt: fc.option(epochMillis, { nil: null }),
  receivedAt: epochMillis,
  originalTimestamp: fc.option(epochMillis, { nil: null }),
  sourceId: text,
  violations: fc.array(text, { maxLength: 5 }),
});

/** The event as JSON carries its JSON fields: JSON has no negative zero, so -0 comes back as 0. */
function asJsonCarriesIt(event: Event): Event {
  const viaJson = (value: JsonObject | null) =>
    value === null ? null : (JSON.parse(JSON.stringify(value)) as JsonObject);
  return {
    ...event,
    properties: viaJson(event.properties),
    traits: viaJson(event.traits),
    context: viaJson(event.context),
    integrations: viaJson(event.integrations),
  };
}

/** Decoding must either succeed or fail with a CodecError: never a RangeError, TypeError or hang. */
function decodesOrFailsTyped(bytes: Buffer): void {
  try {
    codec.decode(bytes);
  } catch (error) {
    if (!(error instanceof CodecError)) throw error;
  }
}

describe('AvroCodec properties', () => {
  it('decodes every encoded event to the same event', () => {
    fc.assert(
      fc.property(anyEvent, (event) => {
        expect(codec.decodeAs('Event', codec.encode('Event', event))).toEqual(
          asJsonCarriesIt(event),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('accepts every generated event as valid', () => {
    fc.assert(
      fc.property(anyEvent, (event) => {
        expect(codec.isValid('Event', event)).toEqual({ valid: true });
      }),
    );
  });

  it('fails typed on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) =>
        decodesOrFailsTyped(Buffer.from(bytes)),
      ),
      {
        numRuns: 2_000,
      },
    );
  });

  it('fails typed on arbitrary bodies behind a known header', () => {
    const headers = [
      singleObjectHeader(codec.fingerprintOf('Event')),
      Buffer.from([0, 0, 0, 0, 1]),
    ];
    fc.assert(
      fc.property(fc.constantFrom(...headers), fc.uint8Array({ maxLength: 200 }), (header, body) =>
        decodesOrFailsTyped(Buffer.concat([header, body])),
      ),
      { numRuns: 2_000 },
    );
  });

  it('fails typed on valid records with bytes overwritten', () => {
    const valid = codec.encode('Event', sampleEvent());
    const overwrite = fc.record({
      at: fc.nat({ max: valid.length - 1 }),
      byte: fc.nat({ max: 255 }),
    });
    fc.assert(
      fc.property(fc.array(overwrite, { minLength: 1, maxLength: 4 }), (changes) => {
        const bytes = Buffer.from(valid);
        for (const { at, byte } of changes) bytes[at] = byte;
        decodesOrFailsTyped(bytes);
      }),
      { numRuns: 2_000 },
    );
  });
});
