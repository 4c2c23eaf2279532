import { Type, type Schema } from 'avsc';
import { SAMPLE_RECORDS, sampleEvent } from '../../test/sample-records';
import { SCHEMA_NAMES, type Event, type SchemaName } from '../generated/schema-types';
import type { AvroRecordSchema } from '../schemas/avro-schema';
import { RELEASED_SCHEMAS, SCHEMAS } from '../schemas/contract-schemas';
import { schemaFullName } from '../schemas/schema-directory';
import { AvroCodec } from './avro-codec';
import { CodecError } from './codec-error';
import { parseContractSchema } from './contract-type';
import { CorruptRecordError } from './corrupt-record-error';
import { crc64Avro } from './crc64-avro';
import { SchemaMismatchError } from './schema-mismatch-error';
import { parsingCanonicalForm, parsingFingerprint64 } from './schema-fingerprint';
import { UnknownSchemaError } from './unknown-schema-error';
import { singleObjectHeader } from './wire-format';

const codec = new AvroCodec();

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

function confluentFramed(schemaId: number, singleObject: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(schemaId, 1);
  return Buffer.concat([header, singleObject.subarray(10)]);
}

/** Bytes as a producer that writes with the given type would write them. */
function writtenWith(type: Type, value: unknown): Buffer {
  return Buffer.concat([singleObjectHeader(parsingFingerprint64(type)), type.toBuffer(value)]);
}

/** A producer that knows no json logical type and writes JSON fields as the strings they are on the wire. */
function plainAvroType(schema: AvroRecordSchema): Type {
  return Type.forSchema(schema as Schema);
}

function withoutField(schema: AvroRecordSchema, field: string): AvroRecordSchema {
  return { ...schema, fields: schema.fields.filter((candidate) => candidate.name !== field) };
}

describe('AvroCodec round trips', () => {
  it.each(SCHEMA_NAMES)('decodes an encoded %s to the same value', (name) => {
    const decoded = codec.decode(codec.encode(name, SAMPLE_RECORDS[name]));
    expect(decoded.schemaName).toBe(name);
    expect(decoded.value).toEqual(SAMPLE_RECORDS[name]);
  });

  it.each(SCHEMA_NAMES)('reads an encoded %s back with decodeAs', (name: SchemaName) => {
    expect(codec.decodeAs(name, codec.encode(name, SAMPLE_RECORDS[name]))).toEqual(
      SAMPLE_RECORDS[name],
    );
  });

  it('gives JSON fields back as the objects that went in, nested arrays and unicode included', () => {
    const event = codec.decodeAs('Event', codec.encode('Event', sampleEvent()));
    expect(event.properties).toStrictEqual(sampleEvent().properties);
  });

  it('keeps null JSON fields and null timestamps null', () => {
    const sparse = sampleEvent({ properties: null, context: null, timestamp: null, sentAt: null });
    expect(codec.decodeAs('Event', codec.encode('Event', sparse))).toEqual(sparse);
  });

  it('keeps an empty JSON object apart from null', () => {
    const event = codec.decodeAs('Event', codec.encode('Event', sampleEvent({ traits: {} })));
    expect(event.traits).toEqual({});
  });

  it('encodes records larger than its scratch buffer, and small ones after them, independently', () => {
    const own = new AvroCodec();
    const small = sampleEvent();
    const large = sampleEvent({ properties: { text: 'é'.repeat(150_000), n: 1 } });
    const first = own.encode('Event', small);
    const big = own.encode('Event', large);
    const after = own.encode('Event', small);
    expect(own.decodeAs('Event', big)).toEqual(large);
    // Each record owns its bytes: encoding later records does not change earlier ones.
    expect(own.decodeAs('Event', first)).toEqual(small);
    expect(after.equals(first)).toBe(true);
    expect(big.length).toBeGreaterThan(300_000);
  });
});

describe('AvroCodec single-object encoding', () => {
  it('starts every record with C3 01', () => {
    expect([...codec.encode('EventKey', SAMPLE_RECORDS.EventKey).subarray(0, 2)]).toEqual([
      0xc3, 0x01,
    ]);
  });

  it('writes the schema fingerprint little-endian after the magic', () => {
    const bytes = codec.encode('Event', SAMPLE_RECORDS.Event);
    expect(bytes.readBigUInt64LE(2)).toBe(codec.fingerprintOf('Event'));
  });

  it('fingerprints a schema as CRC-64-AVRO of its parsing canonical form', () => {
    const canonicalForm = parsingCanonicalForm(parseContractSchema(SCHEMAS.EventKey));
    expect(canonicalForm).toBe(
      '{"name":"tessera.v1.EventKey","type":"record","fields":[{"name":"key","type":"string"}]}',
    );
    expect(codec.fingerprintOf('EventKey')).toBe(crc64Avro(canonicalForm));
  });

  it('leaves docs, defaults and logical types out of the canonical form', () => {
    const canonicalForm = parsingCanonicalForm(parseContractSchema(SCHEMAS.Event));
    expect(canonicalForm).not.toMatch(/doc|default|logicalType/);
  });

  it('reports the writer fingerprint of a decoded record', () => {
    const decoded = codec.decode(codec.encode('ProfileKey', SAMPLE_RECORDS.ProfileKey));
    expect(decoded.fingerprint).toBe(codec.fingerprintOf('ProfileKey'));
  });

  it('encodes the body as plain Avro binary', () => {
    const body = codec.encode('EventKey', { key: 'ab' }).subarray(10);
    expect([...body]).toEqual([0x04, 0x61, 0x62]);
  });
});

describe('AvroCodec Confluent framing', () => {
  const confluentCodec = new AvroCodec({ confluentSchemaIds: { 17: 'Event', 18: 'EventKey' } });

  it('decodes a record framed with a mapped Confluent schema id', () => {
    const bytes = confluentFramed(17, confluentCodec.encode('Event', SAMPLE_RECORDS.Event));
    expect(confluentCodec.decode(bytes)).toEqual({
      schemaName: 'Event',
      value: SAMPLE_RECORDS.Event,
      fingerprint: confluentCodec.fingerprintOf('Event'),
    });
  });

  it('decodes a Confluent-framed record with decodeAs', () => {
    const bytes = confluentFramed(18, confluentCodec.encode('EventKey', SAMPLE_RECORDS.EventKey));
    expect(confluentCodec.decodeAs('EventKey', bytes)).toEqual(SAMPLE_RECORDS.EventKey);
  });

  it('refuses a Confluent schema id it was not given', () => {
    const bytes = confluentFramed(99, codec.encode('Event', SAMPLE_RECORDS.Event));
    const error = thrown(() => confluentCodec.decode(bytes));
    expect(error).toBeInstanceOf(UnknownSchemaError);
    expect((error as UnknownSchemaError).writer).toEqual({ confluentSchemaId: 99 });
  });
});

describe('AvroCodec decodeAs', () => {
  it('refuses a record written with another contract schema', () => {
    const error = thrown(() =>
      codec.decodeAs('Event', codec.encode('EventKey', SAMPLE_RECORDS.EventKey)),
    );
    expect(error).toBeInstanceOf(SchemaMismatchError);
    expect(error).toMatchObject({
      reason: 'schema-mismatch',
      expected: 'tessera.v1.Event',
      actual: 'tessera.v1.EventKey',
    });
  });
});

describe('AvroCodec schema evolution', () => {
  const eventBeforeViolations = withoutField(SCHEMAS.Event, 'violations');
  const olderEvent: Partial<Event> = sampleEvent();
  delete olderEvent.violations;

  // An empty body fails as corrupt only once the fingerprint is known; unknown ones fail earlier.
  it.each(RELEASED_SCHEMAS.map((schema) => [schemaFullName(schema), schema] as const))(
    'knows the fingerprint of the released %s',
    (_, released) => {
      const header = singleObjectHeader(parsingFingerprint64(parseContractSchema(released)));
      expect(thrown(() => codec.decode(header))).toBeInstanceOf(CorruptRecordError);
    },
  );

  it('reads a record of an older version into the current shape, filling defaults', () => {
    const evolving = new AvroCodec();
    evolving.registerWriterSchema(eventBeforeViolations);
    const bytes = writtenWith(parseContractSchema(eventBeforeViolations), olderEvent);
    expect(evolving.decodeAs('Event', bytes)).toEqual({ ...olderEvent, violations: [] });
  });

  it('reports the older writer fingerprint of a resolved record', () => {
    const evolving = new AvroCodec();
    const fingerprint = evolving.registerWriterSchema(eventBeforeViolations);
    const decoded = evolving.decode(
      writtenWith(parseContractSchema(eventBeforeViolations), olderEvent),
    );
    expect(decoded).toMatchObject({ schemaName: 'Event', fingerprint });
    expect(fingerprint).not.toBe(evolving.fingerprintOf('Event'));
  });

  it('does not know an older version that was never registered', () => {
    const bytes = writtenWith(parseContractSchema(eventBeforeViolations), olderEvent);
    expect(() => codec.decode(bytes)).toThrow(UnknownSchemaError);
  });

  it('refuses to register a version the current schema cannot read', () => {
    const beforeSourceId = withoutField(SCHEMAS.Event, 'sourceId');
    expect(() => new AvroCodec().registerWriterSchema(beforeSourceId)).toThrow(SchemaMismatchError);
  });

  it('refuses to register a schema that is no version of a contract schema', () => {
    const stranger: AvroRecordSchema = { type: 'record', name: 'x.Stranger', fields: [] };
    expect(() => new AvroCodec().registerWriterSchema(stranger)).toThrow(UnknownSchemaError);
  });

  it('reads JSON fields written as plain strings by a writer that knows no json logical type', () => {
    const bytes = writtenWith(plainAvroType(SCHEMAS.Event), {
      ...sampleEvent(),
      properties: '{"plan":"pro"}',
      traits: null,
      context: null,
      integrations: null,
    });
    expect(codec.decodeAs('Event', bytes).properties).toEqual({ plan: 'pro' });
  });

  it('refuses a JSON field whose text is not a JSON object', () => {
    const bytes = writtenWith(plainAvroType(SCHEMAS.Event), {
      ...sampleEvent({ traits: null, context: null, integrations: null }),
      properties: '[1,2]',
    });
    expect(() => codec.decode(bytes)).toThrow(CorruptRecordError);
  });
});

describe('AvroCodec errors', () => {
  it('makes every error a CodecError with a reason code', () => {
    const error = thrown(() => codec.decode(Buffer.alloc(0)));
    expect(error).toBeInstanceOf(CodecError);
    expect(error).toMatchObject({ reason: 'corrupt-record', name: 'CorruptRecordError' });
  });

  it('refuses a schema name that is not a contract schema', () => {
    expect(() => codec.fingerprintOf('Nope' as SchemaName)).toThrow(UnknownSchemaError);
  });
});
