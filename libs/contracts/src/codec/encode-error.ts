import type { FieldError } from '../generated/schema-types';
import { CodecError } from './codec-error';

/** The value does not match the schema it was to be encoded with; `errors` names every offending path. */
export class EncodeError extends CodecError {
  constructor(
    readonly schemaName: string,
    readonly errors: readonly FieldError[],
    options?: { cause?: unknown },
  ) {
    super('encode-error', encodeMessage(schemaName, errors), options);
  }
}

function encodeMessage(schemaName: string, errors: readonly FieldError[]): string {
  const problems = errors.map((error) => `${error.path || '(record)'}: ${error.message}`);
  return `Value is not a valid ${schemaName}: ${problems.join('; ')}`;
}
