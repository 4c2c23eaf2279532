/** Code of a codec failure, stable enough to map to a dead-letter reason or an HTTP status. */
export type CodecErrorReason =
  'unknown-schema' | 'corrupt-record' | 'schema-mismatch' | 'encode-error';

/** Base of every error the contract codec throws, so callers can catch codec failures in one place. */
export class CodecError extends Error {
  constructor(
    readonly reason: CodecErrorReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}
