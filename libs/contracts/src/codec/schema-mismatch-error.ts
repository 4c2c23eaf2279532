import { CodecError } from './codec-error';

/** The record was written with a schema that cannot be read as the one the caller asked for. */
export class SchemaMismatchError extends CodecError {
  constructor(
    readonly expected: string,
    readonly actual: string,
    options?: { cause?: unknown },
  ) {
    super('schema-mismatch', mismatchMessage(expected, actual, options?.cause), options);
  }
}

function mismatchMessage(expected: string, actual: string, cause: unknown): string {
  const why = cause instanceof Error ? `: ${cause.message}` : '';
  return `A record written as ${actual} cannot be read as ${expected}${why}`;
}
