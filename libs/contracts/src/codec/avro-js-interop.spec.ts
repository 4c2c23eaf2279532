import { createType } from 'avro-js/lib/schemas';
import { SAMPLE_RECORDS } from '../../test/sample-records';
import { SCHEMA_NAMES } from '../generated/schema-types';
import { SCHEMAS } from '../schemas/contract-schemas';
import { AvroCodec } from './avro-codec';
import { parseContractSchema } from './contract-type';
import { crc64Avro } from './crc64-avro';
import { parsingCanonicalForm } from './schema-fingerprint';
import { singleObjectHeader } from './wire-format';

// avro-js, Apache Avro's own JavaScript implementation, as a second independent reader and writer.
const codec = new AvroCodec();
const SINGLE_OBJECT_HEADER_LENGTH = 10;

/** Avro's JSON encoding of a value (unions wrapped, bytes as ISO-8859-1, JSON fields as text). */
function avroJson(name: (typeof SCHEMA_NAMES)[number], value: unknown): unknown {
  return JSON.parse(parseContractSchema(SCHEMAS[name]).toString(value));
}

describe.each(SCHEMA_NAMES)('avro-js and the codec on %s', (name) => {
  const avroJs = createType(SCHEMAS[name]);

  it('agree on the parsing canonical form', () => {
    expect(avroJs.getSchema()).toBe(parsingCanonicalForm(parseContractSchema(SCHEMAS[name])));
  });

  it('agree on the fingerprint', () => {
    expect(crc64Avro(avroJs.getSchema())).toBe(codec.fingerprintOf(name));
  });

  it('lets avro-js read the body the codec wrote', () => {
    const body = codec.encode(name, SAMPLE_RECORDS[name]).subarray(SINGLE_OBJECT_HEADER_LENGTH);
    const read = avroJs.fromBuffer(body);
    expect(JSON.parse(avroJs.toString(read))).toEqual(avroJson(name, SAMPLE_RECORDS[name]));
  });

  it('lets the codec read the body avro-js wrote', () => {
    const value = avroJs.fromString(JSON.stringify(avroJson(name, SAMPLE_RECORDS[name])));
    const bytes = Buffer.concat([
      singleObjectHeader(codec.fingerprintOf(name)),
      avroJs.toBuffer(value),
    ]);
    expect(codec.decodeAs(name, bytes)).toEqual(SAMPLE_RECORDS[name]);
  });
});
