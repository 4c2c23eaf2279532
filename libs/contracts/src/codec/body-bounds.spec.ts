import type { AvroSchema } from '../schemas/avro-schema';
import { compileBodyBounds } from './body-bounds';
import { CorruptRecordError } from './corrupt-record-error';

const strings: AvroSchema = { type: 'array', items: 'string' };

function bytes(...values: number[]): Buffer {
  return Buffer.from(values);
}

describe('compileBodyBounds', () => {
  it('returns where a body ends', () => {
    const record: AvroSchema = {
      type: 'record',
      name: 't.R',
      fields: [{ name: 'a', type: 'string' }],
    };
    expect(compileBodyBounds(record)(bytes(0xff, 0x04, 0x61, 0x62, 0xee), 1)).toBe(4);
  });

  it('accepts array blocks written with a negative count and their byte size', () => {
    // Two strings "a" and "b" in one block of 4 bytes, then the end marker.
    const body = bytes(0x03, 0x08, 0x02, 0x61, 0x02, 0x62, 0x00);
    expect(compileBodyBounds(strings)(body, 0)).toBe(body.length);
  });

  it('refuses a block byte size beyond the bytes left', () => {
    expect(() => compileBodyBounds(strings)(bytes(0x03, 0x7e, 0x02, 0x61, 0x00), 0)).toThrow(
      CorruptRecordError,
    );
  });

  it('bounds map entries by their keys even when values take no bytes', () => {
    const nulls: AvroSchema = { type: 'map', values: 'null' };
    // 1000 entries promised, 3 bytes left.
    expect(() => compileBodyBounds(nulls)(bytes(0xd0, 0x0f, 0x02, 0x61, 0x00), 0)).toThrow(
      /cannot fit/,
    );
  });

  it('caps items that take no bytes, which the bytes left cannot bound', () => {
    const nulls: AvroSchema = { type: 'array', items: 'null' };
    const twoMillion = bytes(0x80, 0x92, 0xf4, 0x01, 0x00);
    expect(() => compileBodyBounds(nulls)(twoMillion, 0)).toThrow(/cannot fit/);
  });

  it('skips fixed, float and double by their sizes', () => {
    const record: AvroSchema = {
      type: 'record',
      name: 't.Sizes',
      fields: [
        { name: 'f', type: { type: 'fixed', name: 't.F', size: 3 } },
        { name: 'x', type: 'float' },
        { name: 'y', type: 'double' },
      ],
    };
    expect(compileBodyBounds(record)(Buffer.alloc(15), 0)).toBe(15);
  });

  it('follows references to named types, recursive ones included', () => {
    const list: AvroSchema = {
      type: 'record',
      name: 't.Node',
      fields: [
        { name: 'value', type: 'int' },
        { name: 'next', type: ['null', 't.Node'] },
      ],
    };
    // 1 -> 2 -> null
    expect(compileBodyBounds(list)(bytes(0x02, 0x02, 0x04, 0x00), 0)).toBe(4);
  });
});
