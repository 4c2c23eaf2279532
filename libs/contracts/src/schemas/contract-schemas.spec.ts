import { SCHEMA_NAMES } from '../generated/schema-types';
import type { AvroSchema } from './avro-schema';
import { RELEASED_SCHEMAS, SCHEMAS } from './contract-schemas';
import { schemaFullName } from './schema-directory';

/** Every record field of a schema, as `Record.field`, with its doc. */
function documentedFields(schema: AvroSchema, found: Map<string, string | undefined> = new Map()) {
  if (typeof schema !== 'object' || schema === null) return found;
  if (Array.isArray(schema)) {
    schema.forEach((branch) => documentedFields(branch, found));
    return found;
  }
  if ('fields' in schema) {
    for (const field of schema.fields) {
      found.set(`${schema.name}.${field.name}`, field.doc);
      documentedFields(field.type, found);
    }
  }
  if ('items' in schema) documentedFields(schema.items, found);
  return found;
}

describe('SCHEMAS', () => {
  it('holds one schema per generated schema name', () => {
    expect(Object.keys(SCHEMAS).sort()).toEqual([...SCHEMA_NAMES].sort());
  });

  it('puts every contract schema in the tessera.v1 namespace', () => {
    for (const schema of Object.values(SCHEMAS)) {
      expect(schemaFullName(schema)).toMatch(/^tessera\.v1\.[A-Z]\w*$/);
    }
  });

  it('documents every field', () => {
    const undocumented = Object.values(SCHEMAS).flatMap((schema) =>
      [...documentedFields(schema)].filter(([, doc]) => !doc?.trim()).map(([field]) => field),
    );
    expect(undocumented).toEqual([]);
  });

  it('is frozen so no caller can change the source of truth at run time', () => {
    expect(Object.isFrozen(SCHEMAS.Event.fields[0])).toBe(true);
  });
});

describe('RELEASED_SCHEMAS', () => {
  it('holds a released version of every contract schema', () => {
    const released = new Set(RELEASED_SCHEMAS.map(schemaFullName));
    expect(
      Object.values(SCHEMAS).filter((schema) => !released.has(schemaFullName(schema))),
    ).toEqual([]);
  });
});
