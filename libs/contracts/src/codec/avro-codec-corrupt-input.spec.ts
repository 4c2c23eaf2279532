import { SAMPLE_RECORDS, sampleEvent } from '../../test/sample-records';
import { AvroCodec } from './avro-codec';
import { CorruptRecordError } from './corrupt-record-error';
import { UnknownSchemaError } from './unknown-schema-error';
import { singleObjectHeader } from './wire-format';

const codec = new AvroCodec();
const eventHeader = singleObjectHeader(codec.fingerprintOf('Event'));
const eventKeyHeader = singleObjectHeader(codec.fingerprintOf('EventKey'));

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

/** Avro's zig-zag varint, for hand-made bodies. */
function varint(value: number): number[] {
  let zigzag = value >= 0 ? value * 2 : -value * 2 - 1;
  const bytes: number[] = [];
  while (zigzag >= 0x80) {
    bytes.push((zigzag % 0x80) | 0x80);
    zigzag = Math.floor(zigzag / 0x80);
  }
  return [...bytes, zigzag];
}

/** An Event body up to and including its `type` enum, with nulls for the nullable fields after it. */
function eventBodyStart(typeIndex: number): number[] {
  return [...varint(1), 0x6d, ...varint(typeIndex)];
}

describe('AvroCodec on corrupt input', () => {
  it('refuses an empty buffer', () => {
    expect(() => codec.decode(Buffer.alloc(0))).toThrow(CorruptRecordError);
  });

  it('refuses a buffer holding only the magic bytes', () => {
    expect(() => codec.decode(Buffer.from([0xc3, 0x01]))).toThrow(CorruptRecordError);
  });

  it('refuses a header cut inside the fingerprint', () => {
    expect(() => codec.decode(eventHeader.subarray(0, 7))).toThrow(CorruptRecordError);
  });

  it('refuses a wrong second magic byte', () => {
    const bytes = Buffer.from(codec.encode('EventKey', SAMPLE_RECORDS.EventKey));
    bytes[1] = 0x02;
    expect(() => codec.decode(bytes)).toThrow(/C3 02/);
  });

  it('refuses a record that starts with neither framing', () => {
    expect(() => codec.decode(Buffer.from('{"type":"track"}'))).toThrow(CorruptRecordError);
  });

  it('refuses an unknown fingerprint and names it in hex', () => {
    const error = thrown(() =>
      codec.decode(
        Buffer.concat([singleObjectHeader(0x0123456789abcdefn), Buffer.from([2, 0x61])]),
      ),
    );
    expect(error).toBeInstanceOf(UnknownSchemaError);
    expect((error as UnknownSchemaError).fingerprintHex).toBe('0123456789abcdef');
    expect((error as Error).message).toContain('0123456789abcdef');
  });

  it('refuses every truncation of a valid record', () => {
    const bytes = codec.encode('Event', sampleEvent());
    for (let length = 10; length < bytes.length; length++) {
      expect(thrown(() => codec.decode(bytes.subarray(0, length)))).toBeInstanceOf(
        CorruptRecordError,
      );
    }
  });

  it('refuses trailing bytes after the record', () => {
    const bytes = Buffer.concat([codec.encode('Event', sampleEvent()), Buffer.from([0x00])]);
    expect(() => codec.decode(bytes)).toThrow('1 trailing byte after the tessera.v1.Event record');
  });

  it('refuses a Confluent header shorter than five bytes', () => {
    expect(() => codec.decode(Buffer.from([0x00, 0x00, 0x01]))).toThrow(CorruptRecordError);
  });

  it('refuses a Confluent schema id when none were configured', () => {
    expect(() => codec.decode(Buffer.from([0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x61]))).toThrow(
      UnknownSchemaError,
    );
  });

  it('refuses a negative string length', () => {
    expect(() => codec.decode(Buffer.concat([eventKeyHeader, Buffer.from(varint(-3))]))).toThrow(
      CorruptRecordError,
    );
  });

  it('refuses a string length beyond the end of the record', () => {
    const body = Buffer.from([...varint(1_000_000), 0x61]);
    expect(() => codec.decode(Buffer.concat([eventKeyHeader, body]))).toThrow(/Truncated/);
  });

  it('refuses a varint longer than ten bytes', () => {
    const body = Buffer.from([...Array<number>(11).fill(0xff), 0x01]);
    expect(() => codec.decode(Buffer.concat([eventKeyHeader, body]))).toThrow(CorruptRecordError);
  });

  it('refuses an enum index outside the symbols', () => {
    const body = Buffer.from(eventBodyStart(6));
    expect(() => codec.decode(Buffer.concat([eventHeader, body]))).toThrow(/Enum index 6/);
  });

  it('refuses a union branch that does not exist', () => {
    const body = Buffer.from([...eventBodyStart(0), ...varint(2)]);
    expect(() => codec.decode(Buffer.concat([eventHeader, body]))).toThrow(/Union branch 2/);
  });

  it('refuses a huge array count at once instead of looping over it', () => {
    const valid = codec.encode('Event', sampleEvent({ violations: [] }));
    // The last byte of an Event is the end marker of its empty violations array.
    const bytes = Buffer.concat([valid.subarray(0, -1), Buffer.from([...varint(2 ** 31), 0x00])]);
    const startedAt = Date.now();
    expect(() => codec.decode(bytes)).toThrow(/cannot fit/);
    expect(Date.now() - startedAt).toBeLessThan(1_000);
  });

  it('refuses a timestamp beyond the safe integer range', () => {
    const deadLetterHeader = singleObjectHeader(codec.fingerprintOf('DeadLetter'));
    const body = codec.encode('DeadLetter', SAMPLE_RECORDS.DeadLetter).subarray(10);
    // failedAt is the last field: a long that is 2^62 cannot be a JavaScript number exactly.
    const failedAtLength = varint(SAMPLE_RECORDS.DeadLetter.failedAt).length;
    const unsafe = Buffer.concat([body.subarray(0, -failedAtLength), Buffer.from(varint(2 ** 62))]);
    expect(() => codec.decode(Buffer.concat([deadLetterHeader, unsafe]))).toThrow(/precision/);
  });

  it('refuses a JSON field whose text is not JSON', () => {
    const bytes = codec.encode('Event', sampleEvent({ properties: { a: 1 } }));
    const at = bytes.indexOf('{"a":1}');
    bytes.write('{"a":}', at, 'latin1');
    expect(() => codec.decode(bytes)).toThrow(CorruptRecordError);
  });
});
