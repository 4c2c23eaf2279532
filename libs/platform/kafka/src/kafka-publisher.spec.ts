import { chunksOf, MAX_REQUEST_BYTES, sizeOf } from './kafka-publisher';

describe('chunksOf', () => {
  it('keeps items in order in runs no larger than a request may be', () => {
    const sizes = [200_000, 200_000, 200_000, 100_000, 400_000, 50_000];
    const chunks = chunksOf(sizes, (size) => size);
    expect(chunks.flat()).toEqual(sizes);
    expect(chunks).toEqual([
      [200_000, 200_000],
      [200_000, 100_000],
      [400_000, 50_000],
    ]);
    for (const chunk of chunks)
      expect(chunk.reduce((sum, size) => sum + size, 0)).toBeLessThanOrEqual(MAX_REQUEST_BYTES);
  });

  it('puts an item larger than a request alone', () => {
    expect(chunksOf([10, 2 * MAX_REQUEST_BYTES, 10], (size) => size)).toEqual([
      [10],
      [2 * MAX_REQUEST_BYTES],
      [10],
    ]);
  });

  it('gives no chunk for no items', () => {
    expect(chunksOf([], () => 1)).toEqual([]);
  });
});

describe('sizeOf', () => {
  it('counts key, value and headers of a record', () => {
    expect(sizeOf({ key: 'abc', value: Buffer.alloc(100), headers: { h: Buffer.alloc(10) } })).toBe(
      3 + 100 + 1 + 10 + 32,
    );
  });
});
