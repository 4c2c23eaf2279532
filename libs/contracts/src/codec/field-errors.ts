import { Type, types } from 'avsc';
import type { FieldError } from '../generated/schema-types';
import { findNonJson } from '../json-value';
import { JsonLogicalType } from './json-logical-type';

/** Every place where `value` does not match the type, as `errors[0].path`-style paths with what was expected. */
export function collectFieldErrors(type: Type, value: unknown): FieldError[] {
  const errors: FieldError[] = [];
  type.isValid(value, {
    errorHook: (path: string[], found: unknown, expected: Type) => {
      errors.push(describeError(formatPath(path), found, expected));
    },
  });
  return errors;
}

function describeError(path: string, found: unknown, expected: Type): FieldError {
  const nonJson = acceptsJson(expected) && typeof found === 'object' ? findNonJson(found) : null;
  if (nonJson && nonJson.path) {
    return { path: joinPath(path, nonJson.path), message: `${nonJson.found} is not JSON` };
  }
  return { path, message: `expected ${describeType(expected)}, got ${describeValue(found)}` };
}

function acceptsJson(type: Type): boolean {
  if (type instanceof JsonLogicalType) return true;
  return type instanceof types.UnwrappedUnionType && type.types.some(acceptsJson);
}

function describeType(type: Type): string {
  if (type instanceof JsonLogicalType) return 'a JSON object';
  if (type instanceof types.UnwrappedUnionType) return type.types.map(describeType).join(' or ');
  if (type instanceof types.EnumType) return `one of ${type.symbols.join(', ')}`;
  if (type instanceof types.RecordType) return `${shortName(type.name ?? 'a record')} (an object)`;
  if (type instanceof types.ArrayType) return `an array of ${describeType(type.itemsType)}`;
  switch (type.typeName) {
    case 'null':
      return 'null';
    case 'int':
      return 'a 32-bit integer';
    case 'long':
    case 'abstract:long':
      return 'a safe integer';
    case 'bytes':
      return 'a Buffer';
    default:
      return `a ${type.typeName}`;
  }
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Buffer.isBuffer(value)) return 'a Buffer';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  }
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return `a ${typeof value}`;
}

// avsc gives field names and array indices as strings; field names cannot start with a digit.
function formatPath(segments: string[]): string {
  return segments.reduce(
    (path, segment) => joinPath(path, /^\d+$/.test(segment) ? `[${segment}]` : segment),
    '',
  );
}

function joinPath(base: string, tail: string): string {
  if (!base || tail.startsWith('[')) return base + tail;
  return `${base}.${tail}`;
}

function shortName(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}
