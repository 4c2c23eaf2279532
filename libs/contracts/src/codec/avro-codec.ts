import type { Resolver, Type } from 'avsc';
import {
  SCHEMA_NAMES,
  type FieldError,
  type SchemaName,
  type SchemaTypes,
} from '../generated/schema-types';
import type { AvroRecordSchema, AvroSchema } from '../schemas/avro-schema';
import { RELEASED_SCHEMAS, SCHEMAS } from '../schemas/contract-schemas';
import { schemaFullName } from '../schemas/schema-directory';
import { compileBodyBounds, type BodyBounds } from './body-bounds';
import { parseContractSchema } from './contract-type';
import { CorruptRecordError } from './corrupt-record-error';
import { EncodeError } from './encode-error';
import { collectFieldErrors } from './field-errors';
import { SchemaMismatchError } from './schema-mismatch-error';
import { parsingFingerprint64 } from './schema-fingerprint';
import { UnknownSchemaError } from './unknown-schema-error';
import { readWireFraming, singleObjectHeader, type WireFraming } from './wire-format';

export interface AvroCodecOptions {
  /**
   * Confluent Schema Registry ids this codec may meet in Confluent-framed records, mapped to the
   * contract schema each stands for (its current version). There is no registry client: ids
   * not listed here fail with UnknownSchemaError.
   */
  confluentSchemaIds?: Record<number, SchemaName>;
}

export interface DecodedRecord {
  /** The contract schema the writer used (and the value was read as). */
  schemaName: SchemaName;
  /** The record, in the current version of that schema. */
  value: unknown;
  /** The writer schema's CRC-64-AVRO fingerprint. */
  fingerprint: bigint;
}

export type ValidationResult = { valid: true } | { valid: false; errors: FieldError[] };

/** A schema the codec reads records as: the current version of a contract schema. */
interface ReaderSchema {
  name: SchemaName;
  type: Type;
  fingerprint: bigint;
  header: Buffer;
}

/** A schema records may have been written with: a current or released version of a contract schema. */
interface WriterSchema {
  /** The contract schema this writer is a version of. */
  name: SchemaName;
  fullName: string;
  type: Type;
  fingerprint: bigint;
  bodyBounds: BodyBounds;
  /** Whether and how this writer's records are read as each reader schema, worked out once. */
  resolutions: Map<SchemaName, Resolution>;
}

type Resolution = { resolver: Resolver } | { failure: unknown };

/**
 * Encodes and decodes the contract schemas on Kafka: writes Avro single-object encoding (C3 01,
 * CRC-64-AVRO fingerprint, body), reads that and Confluent framing. Every released version of a
 * schema stays registered, so records written by an older producer are read in the current shape.
 * Every failure is a CodecError subclass; avsc's own errors never leak.
 */
export class AvroCodec {
  private readonly readers = new Map<SchemaName, ReaderSchema>();
  private readonly writers = new Map<bigint, WriterSchema>();
  private readonly confluentWriters = new Map<number, WriterSchema>();
  /** Where records are encoded before being copied out; grows to the largest record seen. */
  private scratch = Buffer.allocUnsafe(64 * 1024);

  constructor(options: AvroCodecOptions = {}) {
    for (const name of SCHEMA_NAMES) this.registerCurrent(name, SCHEMAS[name]);
    for (const schema of RELEASED_SCHEMAS) this.registerWriterSchema(schema);
    for (const [id, name] of Object.entries(options.confluentSchemaIds ?? {})) {
      this.confluentWriters.set(Number(id), this.writerFor(this.reader(name).fingerprint));
    }
  }

  /**
   * Registers another version of a contract schema (matched by its full name) whose records this
   * codec should read, resolved into the current version. Throws SchemaMismatchError when the
   * current version cannot read it. Returns the version's fingerprint.
   */
  registerWriterSchema(schema: AvroRecordSchema): bigint {
    const fullName = schemaFullName(schema);
    const reader = [...this.readers.values()].find((candidate) => candidate.type.name === fullName);
    if (!reader) throw new UnknownSchemaError({ schemaName: fullName });
    const writer = createWriter(reader.name, parseContractSchema(schema));
    if (this.writers.has(writer.fingerprint)) return writer.fingerprint;
    this.resolverFor(writer, reader);
    this.writers.set(writer.fingerprint, writer);
    return writer.fingerprint;
  }

  encode<N extends SchemaName>(name: N, value: SchemaTypes[N]): Buffer {
    const reader = this.reader(name);
    const headerLength = reader.header.length;
    let end: number;
    try {
      // Header and body written into one scratch buffer, then copied out once (avsc's toBuffer
      // allocates a zero-filled buffer of its own, which a concat would copy again).
      reader.header.copy(this.scratch, 0);
      end = reader.type.encode(value, this.scratch, headerLength);
      if (end < 0) {
        this.scratch = Buffer.allocUnsafe(2 * (this.scratch.length - end));
        reader.header.copy(this.scratch, 0);
        end = reader.type.encode(value, this.scratch, headerLength);
      }
    } catch (cause) {
      const errors = collectFieldErrors(reader.type, value);
      const found = errors.length ? errors : [{ path: '', message: messageOf(cause) }];
      throw new EncodeError(name, found, { cause });
    }
    const record = Buffer.allocUnsafe(end);
    this.scratch.copy(record, 0, 0, end);
    return record;
  }

  /** Decodes a record of any contract schema; the caller narrows `value` by `schemaName`. */
  decode(bytes: Buffer): DecodedRecord {
    const framing = readWireFraming(bytes);
    const writer = this.writerOf(framing);
    const value = this.read(writer, this.reader(writer.name), bytes, framing.bodyOffset);
    return { schemaName: writer.name, value, fingerprint: writer.fingerprint };
  }

  /** Decodes a record as the named schema; SchemaMismatchError when it was written as something else. */
  decodeAs<N extends SchemaName>(name: N, bytes: Buffer): SchemaTypes[N] {
    const framing = readWireFraming(bytes);
    const writer = this.writerOf(framing);
    return this.read(writer, this.reader(name), bytes, framing.bodyOffset) as SchemaTypes[N];
  }

  /** The CRC-64-AVRO fingerprint of the current version of the schema, as written in record headers. */
  fingerprintOf(name: SchemaName): bigint {
    return this.reader(name).fingerprint;
  }

  isValid(name: SchemaName, value: unknown): ValidationResult {
    const errors = collectFieldErrors(this.reader(name).type, value);
    return errors.length ? { valid: false, errors } : { valid: true };
  }

  private registerCurrent(name: SchemaName, schema: AvroRecordSchema): void {
    const writer = createWriter(name, parseContractSchema(schema));
    const { type, fingerprint } = writer;
    this.readers.set(name, { name, type, fingerprint, header: singleObjectHeader(fingerprint) });
    this.writers.set(fingerprint, writer);
  }

  private reader(name: SchemaName): ReaderSchema {
    const reader = this.readers.get(name);
    if (!reader) throw new UnknownSchemaError({ schemaName: name });
    return reader;
  }

  private writerFor(fingerprint: bigint): WriterSchema {
    const writer = this.writers.get(fingerprint);
    if (!writer) throw new UnknownSchemaError({ fingerprint });
    return writer;
  }

  private writerOf(framing: WireFraming): WriterSchema {
    if (framing.format === 'single-object') return this.writerFor(framing.fingerprint);
    const writer = this.confluentWriters.get(framing.schemaId);
    if (!writer) throw new UnknownSchemaError({ confluentSchemaId: framing.schemaId });
    return writer;
  }

  /** How to read the writer's records as the reader schema: undefined when they are the same schema. */
  private resolverFor(writer: WriterSchema, reader: ReaderSchema): Resolver | undefined {
    if (writer.fingerprint === reader.fingerprint) return undefined;
    let resolution = writer.resolutions.get(reader.name);
    if (!resolution) {
      resolution = resolve(writer, reader);
      writer.resolutions.set(reader.name, resolution);
    }
    if ('resolver' in resolution) return resolution.resolver;
    throw new SchemaMismatchError(reader.type.name ?? reader.name, writer.fullName, {
      cause: resolution.failure,
    });
  }

  private read(
    writer: WriterSchema,
    reader: ReaderSchema,
    bytes: Buffer,
    bodyOffset: number,
  ): unknown {
    const resolver = this.resolverFor(writer, reader);
    const end = writer.bodyBounds(bytes, bodyOffset);
    if (end !== bytes.length) {
      const trailing = bytes.length - end;
      throw new CorruptRecordError(
        `${trailing} trailing byte${trailing === 1 ? '' : 's'} after the ${writer.fullName} record`,
      );
    }
    try {
      return reader.type.decode(bytes, bodyOffset, resolver).value as unknown;
    } catch (cause) {
      throw new CorruptRecordError(`${writer.fullName} body cannot be read: ${messageOf(cause)}`, {
        cause,
      });
    }
  }
}

function createWriter(name: SchemaName, type: Type): WriterSchema {
  return {
    name,
    fullName: type.name ?? name,
    type,
    fingerprint: parsingFingerprint64(type),
    bodyBounds: compileBodyBounds(type.schema() as AvroSchema),
    resolutions: new Map(),
  };
}

function resolve(writer: WriterSchema, reader: ReaderSchema): Resolution {
  try {
    return { resolver: reader.type.createResolver(writer.type) };
  } catch (failure) {
    return { failure };
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
