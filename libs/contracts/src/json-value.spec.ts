import { findNonJson, isJsonObject } from './json-value';

describe('findNonJson', () => {
  it('accepts nested objects, arrays and every JSON scalar', () => {
    expect(findNonJson({ a: [1, 'two', true, null, { b: [] }], c: { d: -1.5 } })).toBeNull();
  });

  it('names the path of an undefined value', () => {
    expect(findNonJson({ a: { b: [1, undefined] } })).toEqual({
      path: 'a.b[1]',
      found: 'undefined',
    });
  });

  it('reports a hole in a sparse array', () => {
    // eslint-disable-next-line no-sparse-arrays
    expect(findNonJson({ list: [1, , 3] })).toEqual({ path: 'list[1]', found: 'undefined' });
  });

  it('rejects numbers JSON cannot represent', () => {
    expect(findNonJson({ ratio: Number.NaN })).toEqual({ path: 'ratio', found: 'NaN' });
  });

  it('rejects class instances such as Date, which would not come back as themselves', () => {
    expect(findNonJson({ at: new Date(0) })).toEqual({ path: 'at', found: 'an instance of Date' });
  });

  it('rejects circular references instead of overflowing the stack', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(findNonJson(cyclic)?.found).toMatch(/circular/);
  });

  it('accepts the same object twice when it is not an ancestor of itself', () => {
    const shared = { x: 1 };
    expect(findNonJson({ a: shared, b: shared })).toBeNull();
  });
});

describe('isJsonObject', () => {
  it('accepts an object without a prototype', () => {
    expect(isJsonObject(Object.assign(Object.create(null) as object, { a: 1 }))).toBe(true);
  });

  it.each([
    ['an array', [1]],
    ['null', null],
    ['a string', '{}'],
    ['a Buffer', Buffer.from('{}')],
  ])('rejects %s', (_, value) => {
    expect(isJsonObject(value)).toBe(false);
  });
});
