import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { AvroRecordSchema } from './avro-schema';

/** libs/contracts, found from this file so it resolves alike from source, under jest and @swc-node/register. */
const CONTRACTS_ROOT = path.resolve(__dirname, '..', '..');

/** The schemas as they are now: the source of truth. */
export const CURRENT_SCHEMA_DIR = path.join(CONTRACTS_ROOT, 'schemas');

/** Every released version of every schema, `<schema>.v<N>.avsc`; readers must stay able to read them all. */
export const RELEASED_SCHEMA_DIR = path.join(CONTRACTS_ROOT, 'released');

export interface SchemaFile {
  /** File name within its directory, e.g. `event.v1.avsc`. */
  file: string;
  schema: AvroRecordSchema;
}

/** Reads every .avsc file of a directory, in file-name order; each must hold one named record schema. */
export function readSchemaDirectory(directory: string): SchemaFile[] {
  return readdirSync(directory)
    .filter((file) => file.endsWith('.avsc'))
    .sort()
    .map((file) => ({ file, schema: readSchemaFile(path.join(directory, file)) }));
}

/** The record's full name, `namespace.name`. */
export function schemaFullName(schema: AvroRecordSchema): string {
  if (schema.name.includes('.') || !schema.namespace) return schema.name;
  return `${schema.namespace}.${schema.name}`;
}

function readSchemaFile(file: string): AvroRecordSchema {
  const schema: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!isRecordSchema(schema)) throw new Error(`${file} does not hold a named record schema`);
  return schema;
}

function isRecordSchema(schema: unknown): schema is AvroRecordSchema {
  if (typeof schema !== 'object' || schema === null) return false;
  const candidate = schema as Partial<AvroRecordSchema>;
  return (
    candidate.type === 'record' &&
    typeof candidate.name === 'string' &&
    Array.isArray(candidate.fields)
  );
}
