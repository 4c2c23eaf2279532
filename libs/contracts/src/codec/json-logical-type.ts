import { Type, types } from 'avsc';
import { isJsonObject, type JsonObject } from '../json-value';

/**
 * The `json` logical type: a JSON object carried as its JSON text in an Avro string. Readers that
 * do not know the logical type (Java, Python, avro-js) still read a plain string. Values come back
 * as JSON carries them: -0 as 0, since JSON has no negative zero.
 */
export class JsonLogicalType extends types.LogicalType {
  protected override _fromValue(text: string): JsonObject {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new TypeError('JSON text is not an object');
    }
    return value as JsonObject;
  }

  // Returning undefined marks the value invalid, which is how avsc refuses to write it.
  protected override _toValue(value: unknown): string | undefined {
    return isJsonObject(value) ? JSON.stringify(value) : undefined;
  }

  // Unions check every value before writing it; checking needs no JSON text, so skip stringify.
  _check(value: unknown, _flags: unknown, hook?: (value: unknown, type: Type) => void): boolean {
    const valid = isJsonObject(value);
    if (!valid && hook) hook(value, this);
    return valid;
  }

  protected override _resolve(writer: Type): ((value: unknown) => JsonObject) | undefined {
    if (writer instanceof JsonLogicalType) return (value) => value as JsonObject;
    if (Type.isType(writer, 'string')) return (text) => this._fromValue(text as string);
    return undefined;
  }
}
