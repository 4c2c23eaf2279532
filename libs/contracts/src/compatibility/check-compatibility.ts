import { Type, types } from 'avsc';
import { parseContractSchema } from '../codec/contract-type';
import type { AvroRecordSchema } from '../schemas/avro-schema';
import { schemaFullName } from '../schemas/schema-directory';

/** Why the current schemas cannot read records written with a released one. */
export interface CompatibilityProblem {
  /** Full name of the released schema, e.g. `tessera.v1.Event`. */
  schema: string;
  /** Where in the record: `properties`, `errors[].path`; '' for the record as a whole. */
  path: string;
  message: string;
}

/**
 * Backward compatibility: every released schema must still be readable by the current schema of
 * the same full name (or one that lists it as an alias), under Avro's resolution rules. A
 * released schema with no current reader was removed, which breaks readers of its topics.
 */
export function checkBackwardCompatibility(
  current: readonly AvroRecordSchema[],
  released: readonly AvroRecordSchema[],
): CompatibilityProblem[] {
  const readers = current.map((schema) => parseContractSchema(schema));
  return released.flatMap((schema) => {
    const writer = parseContractSchema(schema);
    const name = schemaFullName(schema);
    const reader = readers.find((candidate) => readsName(candidate, name));
    if (!reader) {
      return [{ schema: name, path: '', message: 'removed: no current schema reads its records' }];
    }
    if (resolves(reader, writer)) return [];
    return diagnose(reader, writer, '').map((problem) => ({ schema: name, ...problem }));
  });
}

type Finding = Omit<CompatibilityProblem, 'schema'>;

function readsName(reader: Type, name: string): boolean {
  return reader.name === name || (reader.aliases ?? []).includes(name);
}

function resolves(reader: Type, writer: Type): boolean {
  return resolutionFailure(reader, writer) === null;
}

function resolutionFailure(reader: Type, writer: Type): string | null {
  try {
    reader.createResolver(writer);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Narrows a failed resolution down to the fields that cause it. */
function diagnose(reader: Type, writer: Type, path: string): Finding[] {
  if (reader instanceof types.RecordType && writer instanceof types.RecordType) {
    const findings = diagnoseFields(reader, writer, path);
    if (findings.length) return findings;
  }
  if (reader instanceof types.EnumType && writer instanceof types.EnumType) {
    const removed = writer.symbols.filter((symbol) => !reader.symbols.includes(symbol));
    if (removed.length) {
      const message = `enum symbols removed without an enum default: ${removed.join(', ')}`;
      return [{ path, message }];
    }
  }
  if (reader instanceof types.ArrayType && writer instanceof types.ArrayType) {
    if (!resolves(reader.itemsType, writer.itemsType))
      return diagnose(reader.itemsType, writer.itemsType, `${path}[]`);
  }
  const message = `written as ${describe(writer)}, which Avro cannot read as ${describe(reader)}`;
  const why = resolutionFailure(reader, writer) ?? '';
  return [{ path, message: why.startsWith('cannot read') ? message : `${message}: ${why}` }];
}

function diagnoseFields(
  reader: types.RecordType,
  writer: types.RecordType,
  path: string,
): Finding[] {
  return reader.fields.flatMap((field) => {
    const fieldPath = path ? `${path}.${field.name}` : field.name;
    const written = writer.fields.find(
      (candidate) => candidate.name === field.name || field.aliases.includes(candidate.name),
    );
    if (!written) {
      if (field.defaultValue() !== undefined) return [];
      return [
        { path: fieldPath, message: 'new field has no default, so older records cannot fill it' },
      ];
    }
    if (resolves(field.type, written.type)) return [];
    return diagnose(field.type, written.type, fieldPath);
  });
}

function describe(type: Type): string {
  const schema = type.schema();
  return type.name ?? (typeof schema === 'string' ? schema : JSON.stringify(schema));
}
