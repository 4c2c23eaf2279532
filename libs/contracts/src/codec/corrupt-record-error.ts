import { CodecError } from './codec-error';

/** The bytes are not a well-formed record: bad framing, a truncated or garbled body, or trailing bytes. */
export class CorruptRecordError extends CodecError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('corrupt-record', message, options);
  }
}
