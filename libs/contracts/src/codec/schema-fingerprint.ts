import type { Type } from 'avsc';
import { crc64Avro } from './crc64-avro';

/**
 * The schema's Parsing Canonical Form: avsc's `schema()` without export options already strips
 * docs, defaults, aliases and logical types and orders the attributes as the spec requires
 * (checked against Apache Avro Java in avro-java-interop.int-spec.ts).
 */
export function parsingCanonicalForm(type: Type): string {
  return JSON.stringify(type.schema());
}

/** The CRC-64-AVRO fingerprint of the schema's Parsing Canonical Form, as single-object encoding uses. */
export function parsingFingerprint64(type: Type): bigint {
  return crc64Avro(parsingCanonicalForm(type));
}
