import { readFileSync } from 'node:fs';
import type { AvroRecordSchema } from '../src/schemas/avro-schema';
import { CURRENT_SCHEMA_DIR, readSchemaDirectory } from '../src/schemas/schema-directory';
import { SCHEMA_TYPES_FILE } from './generate-types';
import { renderSchemaTypes } from './render-schema-types';

function record(fields: AvroRecordSchema['fields']): AvroRecordSchema {
  return { type: 'record', name: 'Sample', namespace: 'test.v1', fields };
}

describe('renderSchemaTypes', () => {
  it('matches the committed generated types (run scripts/generate-types.ts when this fails)', () => {
    const schemas = readSchemaDirectory(CURRENT_SCHEMA_DIR).map((file) => file.schema);
    expect(renderSchemaTypes(schemas)).toBe(readFileSync(SCHEMA_TYPES_FILE, 'utf8'));
  });

  it('types a nullable union as T | null', () => {
    expect(renderSchemaTypes([record([{ name: 'a', type: ['null', 'string'] }])])).toContain(
      '  a: string | null;',
    );
  });

  it('types the json logical type as JsonObject and imports it', () => {
    const rendered = renderSchemaTypes([
      record([{ name: 'a', type: { type: 'string', logicalType: 'json' } }]),
    ]);
    expect(rendered).toContain('  a: JsonObject;');
    expect(rendered).toContain("import type { JsonObject } from '../json-value';");
  });

  it('types timestamps as epoch-millisecond numbers and bytes as Buffer', () => {
    const rendered = renderSchemaTypes([
      record([
        { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
        { name: 'raw', type: 'bytes' },
      ]),
    ]);
    expect(rendered).toContain('  at: number;\n  raw: Buffer;');
  });

  it('types an enum as a union of its symbols', () => {
    const rendered = renderSchemaTypes([
      record([{ name: 'kind', type: { type: 'enum', name: 'Kind', symbols: ['a', 'b'] } }]),
    ]);
    expect(rendered).toContain("export type Kind = 'a' | 'b';");
  });

  it('types a reference to a named type by its short name', () => {
    const rendered = renderSchemaTypes([
      record([
        { name: 'first', type: { type: 'record', name: 'Part', fields: [] } },
        { name: 'second', type: { type: 'array', items: 'test.v1.Part' } },
      ]),
    ]);
    expect(rendered).toContain('  second: Part[];');
  });

  it('refuses a union other than ["null", T]', () => {
    expect(() => renderSchemaTypes([record([{ name: 'a', type: ['int', 'string'] }])])).toThrow(
      /Unsupported union/,
    );
  });

  it('refuses two named types with the same short name', () => {
    const twice = record([
      { name: 'a', type: { type: 'enum', name: 'x.Kind', symbols: ['a'] } },
      { name: 'b', type: { type: 'enum', name: 'y.Kind', symbols: ['b'] } },
    ]);
    expect(() => renderSchemaTypes([twice])).toThrow(/defined twice/);
  });

  it('declares once a named type two schema files define identically, and refuses a different one', () => {
    const kind = { type: 'enum' as const, name: 'Kind', symbols: ['a', 'b'] };
    const first: AvroRecordSchema = { ...record([{ name: 'k', type: kind }]), name: 'First' };
    const second: AvroRecordSchema = { ...record([{ name: 'k', type: kind }]), name: 'Second' };
    const rendered = renderSchemaTypes([first, second]);
    expect(rendered.match(/export type Kind =/g)).toHaveLength(1);
    expect(rendered).toContain('  k: Kind;');
    const changed: AvroRecordSchema = {
      ...record([{ name: 'k', type: { ...kind, symbols: ['a', 'c'] } }]),
      name: 'Second',
    };
    expect(() => renderSchemaTypes([first, changed])).toThrow(/defined twice/);
  });
});
