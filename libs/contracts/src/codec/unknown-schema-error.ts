import { CodecError } from './codec-error';

/** The bytes name a writer schema this codec does not know: a fingerprint, or a Confluent schema id. */
export class UnknownSchemaError extends CodecError {
  /** The writer fingerprint as 16 hex digits, when the record was single-object encoded. */
  readonly fingerprintHex: string | null;

  constructor(
    readonly writer:
      { fingerprint: bigint } | { confluentSchemaId: number } | { schemaName: string },
  ) {
    super('unknown-schema', describe(writer));
    this.fingerprintHex = 'fingerprint' in writer ? toHex(writer.fingerprint) : null;
  }
}

function describe(writer: UnknownSchemaError['writer']): string {
  if ('fingerprint' in writer)
    return `No known schema has the fingerprint ${toHex(writer.fingerprint)}`;
  if ('confluentSchemaId' in writer) {
    return `No schema is mapped to the Confluent schema id ${writer.confluentSchemaId}`;
  }
  return `No contract schema is named ${JSON.stringify(writer.schemaName)}`;
}

function toHex(fingerprint: bigint): string {
  return fingerprint.toString(16).padStart(16, '0');
}
