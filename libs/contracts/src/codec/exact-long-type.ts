import { types } from 'avsc';

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Avro `long` as a JavaScript number, exact for every safe integer. avsc's built-in long does its
 * zig-zag arithmetic in doubles, which silently turns values below -2^52 into other numbers on
 * both write and read; this one goes through the 8 two's-complement bytes instead and refuses
 * what a number cannot hold.
 */
export const EXACT_LONG = types.LongType.__with({
  fromBuffer: (bytes: Buffer): number => toSafeNumber(bytes.readBigInt64LE(0)),
  toBuffer: (value: number): Buffer => {
    const bytes = Buffer.alloc(8);
    bytes.writeBigInt64LE(BigInt(value));
    return bytes;
  },
  fromJSON: (value: unknown): number => {
    if (!Number.isSafeInteger(value))
      throw new RangeError(`${String(value)} is not a safe integer long`);
    return value as number;
  },
  toJSON: (value: number): number => value,
  isValid: (value: unknown): boolean => Number.isSafeInteger(value),
  compare: (a: number, b: number): number => Math.sign(a - b),
});

function toSafeNumber(value: bigint): number {
  if (value < MIN_SAFE || value > MAX_SAFE) {
    throw new RangeError(`long ${value} is beyond the precision of a JavaScript number`);
  }
  return Number(value);
}
