import { SAMPLE_RECORDS, sampleEvent } from '../../test/sample-records';
import type { Event, SchemaTypes } from '../generated/schema-types';
import { AvroCodec } from './avro-codec';
import { CodecError } from './codec-error';
import { EncodeError } from './encode-error';

const codec = new AvroCodec();

/** A value typed as the schema's type but broken, to check what the codec makes of bad input. */
function broken<N extends keyof SchemaTypes>(_name: N, value: unknown): SchemaTypes[N] {
  return value as SchemaTypes[N];
}

function encodeError(run: () => unknown): EncodeError {
  try {
    run();
  } catch (error) {
    if (error instanceof EncodeError) return error;
    throw error;
  }
  throw new Error('expected an EncodeError');
}

describe('AvroCodec.isValid', () => {
  it('accepts every sample record', () => {
    for (const [name, record] of Object.entries(SAMPLE_RECORDS)) {
      expect(codec.isValid(name as keyof SchemaTypes, record)).toEqual({ valid: true });
    }
  });

  it('names a missing required field', () => {
    const event: Partial<Event> = sampleEvent();
    delete event.messageId;
    expect(codec.isValid('Event', event)).toEqual({
      valid: false,
      errors: [{ path: 'messageId', message: 'expected a string, got nothing' }],
    });
  });

  it('names the path into an array of records', () => {
    const rejected = {
      ...SAMPLE_RECORDS.RejectedEvent,
      errors: [{ path: 'a', message: 'ok' }, { path: 'b' }],
    };
    expect(codec.isValid('RejectedEvent', rejected)).toEqual({
      valid: false,
      errors: [{ path: 'errors[1].message', message: 'expected a string, got nothing' }],
    });
  });

  it('names the path inside a JSON field down to the value that is not JSON', () => {
    const event = {
      ...sampleEvent(),
      properties: { products: [{ sku: 'A', addedAt: new Date(0) }] },
    };
    expect(codec.isValid('Event', event)).toEqual({
      valid: false,
      errors: [
        { path: 'properties.products[0].addedAt', message: 'an instance of Date is not JSON' },
      ],
    });
  });

  it('refuses a JSON array where a JSON object belongs', () => {
    expect(codec.isValid('Event', { ...sampleEvent(), traits: ['a'] })).toEqual({
      valid: false,
      errors: [{ path: 'traits', message: 'expected null or a JSON object, got an array' }],
    });
  });

  it('refuses an enum value that is not a symbol and lists the symbols', () => {
    expect(codec.isValid('Event', { ...sampleEvent(), type: 'click' })).toEqual({
      valid: false,
      errors: [
        {
          path: 'type',
          message: 'expected one of track, identify, page, screen, group, alias, got "click"',
        },
      ],
    });
  });

  it('refuses an int field beyond 32 bits', () => {
    expect(
      codec.isValid('DeadLetter', { ...SAMPLE_RECORDS.DeadLetter, attempts: 2 ** 31 }),
    ).toEqual({
      valid: false,
      errors: [{ path: 'attempts', message: 'expected a 32-bit integer, got 2147483648' }],
    });
  });

  it('refuses a timestamp that is not a safe integer', () => {
    const result = codec.isValid('Event', { ...sampleEvent(), receivedAt: 1.5 });
    expect(result).toEqual({
      valid: false,
      errors: [{ path: 'receivedAt', message: 'expected a safe integer, got 1.5' }],
    });
  });

  it('refuses a string where bytes belong', () => {
    expect(codec.isValid('DeadLetter', { ...SAMPLE_RECORDS.DeadLetter, value: 'abc' })).toEqual({
      valid: false,
      errors: [{ path: 'value', message: 'expected a Buffer, got "abc"' }],
    });
  });

  it('reports every problem of a value at once', () => {
    const event: Partial<Record<keyof Event, unknown>> = {
      ...sampleEvent(),
      userId: 7,
      sourceId: null,
      violations: [1],
    };
    const result = codec.isValid('Event', event);
    expect(result.valid ? [] : result.errors.map((error) => error.path)).toEqual([
      'userId',
      'sourceId',
      'violations[0]',
    ]);
  });

  it('refuses a value that is not an object at all', () => {
    expect(codec.isValid('EventKey', 'user-42')).toEqual({
      valid: false,
      errors: [{ path: '', message: 'expected EventKey (an object), got "user-42"' }],
    });
  });
});

describe('AvroCodec.encode with an invalid value', () => {
  it('throws an EncodeError listing every offending path', () => {
    const error = encodeError(() =>
      codec.encode('Event', broken('Event', { ...sampleEvent(), userId: 7, sourceId: null })),
    );
    expect(error.errors.map((problem) => problem.path)).toEqual(['userId', 'sourceId']);
  });

  it('makes the EncodeError a CodecError with the encode-error reason', () => {
    const error = encodeError(() => codec.encode('EventKey', broken('EventKey', {})));
    expect(error).toBeInstanceOf(CodecError);
    expect(error.reason).toBe('encode-error');
  });

  it('names the schema and the path in the message', () => {
    expect(() => codec.encode('EventKey', broken('EventKey', { key: 1 }))).toThrow(
      'Value is not a valid EventKey: key: expected a string, got 1',
    );
  });
});
