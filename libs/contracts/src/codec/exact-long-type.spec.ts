import { parseContractSchema } from './contract-type';

/** Avro's zig-zag varint of a long, computed with BigInt as the reference. */
function referenceVarint(value: bigint): number[] {
  let zigzag = value >= 0n ? value << 1n : (-value << 1n) - 1n;
  const bytes: number[] = [];
  while (zigzag >= 0x80n) {
    bytes.push(Number(zigzag & 0x7fn) | 0x80);
    zigzag >>= 7n;
  }
  return [...bytes, Number(zigzag)];
}

const long = parseContractSchema({ type: 'long', logicalType: 'timestamp-millis' });

describe('EXACT_LONG', () => {
  it.each([
    0,
    -1,
    1_700_000_000_000,
    -(2 ** 52) - 1,
    Number.MIN_SAFE_INTEGER,
    Number.MAX_SAFE_INTEGER,
  ])('writes %d as the zig-zag varint the Avro spec defines', (value) => {
    expect([...long.toBuffer(value)]).toEqual(referenceVarint(BigInt(value)));
  });

  it.each([-(2 ** 52) - 1, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER])(
    'reads %d back exactly',
    (value) => {
      expect(long.fromBuffer(Buffer.from(referenceVarint(BigInt(value))))).toBe(value);
    },
  );

  it('refuses to read a long a JavaScript number cannot hold', () => {
    const tooBig = Buffer.from(referenceVarint(2n ** 60n));
    expect((): unknown => long.fromBuffer(tooBig)).toThrow(/precision/);
  });

  it('refuses to write a number that is not a safe integer', () => {
    expect(long.isValid(2 ** 53)).toBe(false);
  });
});
