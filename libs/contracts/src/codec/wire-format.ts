import { CorruptRecordError } from './corrupt-record-error';

/** Avro single-object encoding: C3 01, the writer schema's 8-byte little-endian CRC-64-AVRO fingerprint, the body. */
const SINGLE_OBJECT_MAGIC = [0xc3, 0x01] as const;
const SINGLE_OBJECT_HEADER_LENGTH = 10;

/** Confluent Schema Registry framing: 00, the 4-byte big-endian schema id, the body. */
const CONFLUENT_MAGIC = 0x00;
const CONFLUENT_HEADER_LENGTH = 5;

/** How a record names its writer schema, and where its Avro body starts. */
export type WireFraming =
  | { format: 'single-object'; fingerprint: bigint; bodyOffset: number }
  | { format: 'confluent'; schemaId: number; bodyOffset: number };

export function singleObjectHeader(fingerprint: bigint): Buffer {
  const header = Buffer.alloc(SINGLE_OBJECT_HEADER_LENGTH);
  header[0] = SINGLE_OBJECT_MAGIC[0];
  header[1] = SINGLE_OBJECT_MAGIC[1];
  header.writeBigUInt64LE(fingerprint, 2);
  return header;
}

/** Reads the framing at the start of a Kafka record value; throws CorruptRecordError for anything else. */
export function readWireFraming(bytes: Buffer): WireFraming {
  if (bytes.length === 0) throw new CorruptRecordError('Record is empty');
  if (bytes[0] === SINGLE_OBJECT_MAGIC[0]) return readSingleObjectFraming(bytes);
  if (bytes[0] === CONFLUENT_MAGIC) return readConfluentFraming(bytes);
  throw new CorruptRecordError(
    `Record starts with 0x${hexByte(bytes[0])}, neither Avro single-object (C3 01) nor Confluent (00) framing`,
  );
}

function readSingleObjectFraming(bytes: Buffer): WireFraming {
  if (bytes.length > 1 && bytes[1] !== SINGLE_OBJECT_MAGIC[1]) {
    throw new CorruptRecordError(
      `Record starts with C3 ${hexByte(bytes[1])}; Avro single-object encoding starts with C3 01`,
    );
  }
  if (bytes.length < SINGLE_OBJECT_HEADER_LENGTH) {
    throw new CorruptRecordError(
      `Record has ${bytes.length} bytes, shorter than the ${SINGLE_OBJECT_HEADER_LENGTH}-byte single-object header`,
    );
  }
  return {
    format: 'single-object',
    fingerprint: bytes.readBigUInt64LE(2),
    bodyOffset: SINGLE_OBJECT_HEADER_LENGTH,
  };
}

function readConfluentFraming(bytes: Buffer): WireFraming {
  if (bytes.length < CONFLUENT_HEADER_LENGTH) {
    throw new CorruptRecordError(
      `Record has ${bytes.length} bytes, shorter than the ${CONFLUENT_HEADER_LENGTH}-byte Confluent header`,
    );
  }
  return {
    format: 'confluent',
    schemaId: bytes.readUInt32BE(1),
    bodyOffset: CONFLUENT_HEADER_LENGTH,
  };
}

function hexByte(byte: number): string {
  return byte.toString(16).padStart(2, '0').toUpperCase();
}
