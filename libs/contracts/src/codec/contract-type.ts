import { Type, type Schema } from 'avsc';
import type { AvroSchema } from '../schemas/avro-schema';
import { EXACT_LONG } from './exact-long-type';
import { JsonLogicalType } from './json-logical-type';

/**
 * Parses a contract schema into an avsc type. Unions are never wrapped, so a nullable field reads
 * as `T | null` exactly as the generated types say; longs are exact (EXACT_LONG); other logical
 * types (timestamp-millis) keep their underlying representation.
 */
export function parseContractSchema(schema: AvroSchema): Type {
  return Type.forSchema(schema as Schema, {
    logicalTypes: { json: JsonLogicalType },
    wrapUnions: 'never',
    omitRecordMethods: true,
    typeHook: (schema) => (isLong(schema) ? EXACT_LONG : undefined),
  });
}

// Bare "long" and {"type": "long", ...} alike, so timestamp-millis fields are exact too.
function isLong(schema: Schema): boolean {
  if (schema === 'long') return true;
  return (
    typeof schema === 'object' &&
    !Array.isArray(schema) &&
    'type' in schema &&
    schema.type === 'long'
  );
}
