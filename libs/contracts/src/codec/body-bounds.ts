import type { AvroField, AvroSchema } from '../schemas/avro-schema';
import { CorruptRecordError } from './corrupt-record-error';

/**
 * Walks an Avro body against its writer schema without building values, and returns where it
 * ends. avsc trusts the lengths and block counts it reads: a garbled array count near 2^31 makes it
 * loop for half a minute and allocate gigabytes. Checking every length and count against the bytes
 * actually left first means avsc only ever sees bodies that fit, and corrupt input fails fast and
 * typed.
 */
export type BodyBounds = (bytes: Buffer, offset: number) => number;

type Skipper = (cursor: Cursor) => void;

// Items that take no bytes (null, empty records) cannot be bounded by the bytes left; cap them per array.
const MAX_ZERO_BYTE_ITEMS = 1_000_000;

const PRIMITIVE_MIN_BYTES: Record<string, number> = {
  null: 0,
  boolean: 1,
  int: 1,
  long: 1,
  float: 4,
  double: 8,
  bytes: 1,
  string: 1,
};

/** Compiles the bounds check for a schema in canonical form (full names, as avsc's `schema()` gives). */
export function compileBodyBounds(schema: AvroSchema): BodyBounds {
  const compiler = new SkipperCompiler(schema);
  const skip = compiler.compile(schema);
  return (bytes, offset) => {
    const cursor = new Cursor(bytes, offset);
    skip(cursor);
    return cursor.position;
  };
}

class Cursor {
  constructor(
    private readonly bytes: Buffer,
    public position: number,
  ) {}

  get remaining(): number {
    return this.bytes.length - this.position;
  }

  /** Reads a zig-zag varint; `maxBytes` is 5 for int and 10 for long. */
  varint(maxBytes: number): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < maxBytes; i++) {
      if (this.position >= this.bytes.length) throw truncated('a number', this.position);
      const byte = this.bytes[this.position++];
      value += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
      scale *= 128;
    }
    throw new CorruptRecordError(
      `Number at byte ${this.position} is longer than ${maxBytes} bytes`,
    );
  }

  skip(length: number, what: string): void {
    if (length < 0) {
      throw new CorruptRecordError(`Negative ${what} length ${length} at byte ${this.position}`);
    }
    if (length > this.remaining) {
      throw new CorruptRecordError(
        `Truncated: ${what} of ${length} bytes at byte ${this.position}, only ${this.remaining} left`,
      );
    }
    this.position += length;
  }
}

class SkipperCompiler {
  private readonly named = new Map<string, AvroSchema>();
  private readonly compiled = new Map<string, Skipper>();

  constructor(root: AvroSchema) {
    this.collectNames(root);
  }

  compile(schema: AvroSchema): Skipper {
    if (typeof schema === 'string') return this.compileName(schema);
    if (Array.isArray(schema)) return this.compileUnion(schema);
    if ('fields' in schema) return this.compileRecord(schema.fields);
    if ('symbols' in schema) return compileEnum(schema.symbols.length);
    if ('items' in schema) return this.compileBlocks(schema.items, 0);
    if ('values' in schema) return this.compileBlocks(schema.values, 1);
    if ('size' in schema) {
      const size = schema.size;
      return (cursor) => cursor.skip(size, 'fixed');
    }
    return this.compile(schema.type);
  }

  private compileName(name: string): Skipper {
    const primitive = compilePrimitive(name);
    if (primitive) return primitive;
    // Looked up at call time so recursive types compile.
    return (cursor) => this.skipperFor(name)(cursor);
  }

  private skipperFor(name: string): Skipper {
    let skipper = this.compiled.get(name);
    if (!skipper) {
      const schema = this.named.get(name);
      if (schema === undefined) {
        throw new CorruptRecordError(`Writer schema references unknown type ${name}`);
      }
      skipper = this.compile(schema);
      this.compiled.set(name, skipper);
    }
    return skipper;
  }

  private compileUnion(branches: AvroSchema[]): Skipper {
    const skippers = branches.map((branch) => this.compile(branch));
    return (cursor) => {
      const at = cursor.position;
      const index = cursor.varint(10);
      const skip = skippers[index];
      if (!skip) throw new CorruptRecordError(`Union branch ${index} at byte ${at} does not exist`);
      skip(cursor);
    };
  }

  private compileRecord(fields: AvroField[]): Skipper {
    const skippers = fields.map((field) => this.compile(field.type));
    return (cursor) => {
      for (const skip of skippers) skip(cursor);
    };
  }

  /** Arrays and maps: blocks of items, each map entry led by its string key. */
  private compileBlocks(item: AvroSchema, keyBytes: number): Skipper {
    const skipItem = this.compile(item);
    const skipKey = keyBytes ? compilePrimitive('string') : undefined;
    const itemMinBytes = keyBytes + this.minBytes(item, new Set());
    return (cursor) => {
      let zeroByteItems = 0;
      for (;;) {
        const at = cursor.position;
        let count = cursor.varint(10);
        if (count === 0) return;
        if (count < 0) {
          count = -count;
          const blockBytes = cursor.varint(10);
          if (blockBytes < 0 || blockBytes > cursor.remaining) {
            throw new CorruptRecordError(
              `Block size ${blockBytes} at byte ${at} exceeds the bytes left`,
            );
          }
        }
        zeroByteItems += itemMinBytes > 0 ? 0 : count;
        const fits =
          itemMinBytes > 0
            ? count <= cursor.remaining / itemMinBytes
            : zeroByteItems <= MAX_ZERO_BYTE_ITEMS;
        if (!fits) {
          throw new CorruptRecordError(
            `Block of ${count} items at byte ${at} cannot fit in the bytes left`,
          );
        }
        for (let i = 0; i < count; i++) {
          skipKey?.(cursor);
          skipItem(cursor);
        }
      }
    };
  }

  private minBytes(schema: AvroSchema, visiting: Set<string>): number {
    if (typeof schema === 'string') {
      if (schema in PRIMITIVE_MIN_BYTES) return PRIMITIVE_MIN_BYTES[schema];
      const named = this.named.get(schema);
      if (named === undefined || visiting.has(schema)) return 0;
      visiting.add(schema);
      const bytes = this.minBytes(named, visiting);
      visiting.delete(schema);
      return bytes;
    }
    if (Array.isArray(schema)) return 1;
    if ('fields' in schema) {
      return schema.fields.reduce((sum, field) => sum + this.minBytes(field.type, visiting), 0);
    }
    if ('size' in schema) return schema.size;
    if ('symbols' in schema || 'items' in schema || 'values' in schema) return 1;
    return this.minBytes(schema.type, visiting);
  }

  private collectNames(schema: AvroSchema): void {
    if (typeof schema === 'string') return;
    if (Array.isArray(schema)) {
      schema.forEach((branch) => this.collectNames(branch));
      return;
    }
    if ('name' in schema && typeof schema.name === 'string') this.named.set(schema.name, schema);
    if ('fields' in schema) schema.fields.forEach((field) => this.collectNames(field.type));
    if ('items' in schema) this.collectNames(schema.items);
    if ('values' in schema) this.collectNames(schema.values);
  }
}

function compilePrimitive(name: string): Skipper | undefined {
  switch (name) {
    case 'null':
      return () => undefined;
    case 'boolean':
      return (cursor) => cursor.skip(1, 'boolean');
    case 'int':
      return (cursor) => void cursor.varint(5);
    case 'long':
      return (cursor) => void cursor.varint(10);
    case 'float':
      return (cursor) => cursor.skip(4, 'float');
    case 'double':
      return (cursor) => cursor.skip(8, 'double');
    case 'bytes':
      return (cursor) => cursor.skip(cursor.varint(10), 'bytes');
    case 'string':
      return (cursor) => cursor.skip(cursor.varint(10), 'string');
    default:
      return undefined;
  }
}

function compileEnum(symbolCount: number): Skipper {
  return (cursor) => {
    const at = cursor.position;
    const index = cursor.varint(5);
    if (index < 0 || index >= symbolCount) {
      throw new CorruptRecordError(`Enum index ${index} at byte ${at} is out of range`);
    }
  };
}

function truncated(what: string, at: number): CorruptRecordError {
  return new CorruptRecordError(`Truncated: ${what} expected at byte ${at}, the record ended`);
}
