import { SCHEMA_NAMES, type SchemaName } from '../generated/schema-types';
import type { AvroRecordSchema } from './avro-schema';
import {
  CURRENT_SCHEMA_DIR,
  readSchemaDirectory,
  RELEASED_SCHEMA_DIR,
  type SchemaFile,
} from './schema-directory';

/** The parsed JSON of every contract schema, by short name, read from libs/contracts/schemas. */
export const SCHEMAS: Readonly<Record<SchemaName, Readonly<AvroRecordSchema>>> =
  loadCurrentSchemas();

/** Every released version of the contract schemas, read from libs/contracts/released. */
export const RELEASED_SCHEMAS: readonly Readonly<AvroRecordSchema>[] = readSchemaDirectory(
  RELEASED_SCHEMA_DIR,
).map((file) => deepFreeze(file.schema));

function loadCurrentSchemas(): Record<SchemaName, AvroRecordSchema> {
  const files = readSchemaDirectory(CURRENT_SCHEMA_DIR);
  assertMatchesGeneratedTypes(files);
  const byName = Object.fromEntries(
    files.map(({ schema }) => [shortName(schema.name), deepFreeze(schema)]),
  );
  return byName as Record<SchemaName, AvroRecordSchema>;
}

// The generated SchemaName union and the .avsc files must list the same schemas, or types lie.
function assertMatchesGeneratedTypes(files: SchemaFile[]): void {
  const onDisk = files.map(({ schema }) => shortName(schema.name)).sort();
  const generated = [...SCHEMA_NAMES].sort();
  if (onDisk.join() !== generated.join()) {
    throw new Error(
      `Schema files (${onDisk.join(', ')}) differ from the generated types (${generated.join(', ')}); ` +
        'run node -r @swc-node/register libs/contracts/scripts/generate-types.ts',
    );
  }
}

function shortName(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}
