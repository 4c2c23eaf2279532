import { castCell, checkRulesAgree, parseColumnRule, type ColumnRule } from './column-rule';
import { MappingError } from './mapping.error';
import { RowRejectedError } from './row-rejected.error';

const rule = (cast: ColumnRule['cast']): ColumnRule => ({ column: 'c', path: ['x'], cast });

describe('parseColumnRule', () => {
  it('reads a column, a dotted path and a type', () => {
    expect(parseColumnRule('order_total=properties.revenue:number')).toEqual({
      column: 'order_total',
      path: ['properties', 'revenue'],
      cast: 'number',
    });
  });

  it('reads a value as a string when no type is given', () => {
    expect(parseColumnRule('user_id=userId')).toEqual({
      column: 'user_id',
      path: ['userId'],
      cast: 'string',
    });
  });

  it('rejects an unknown type', () => {
    expect(() => parseColumnRule('a=traits.a:date')).toThrow(MappingError);
  });

  it('rejects a spec without a column or a path', () => {
    expect(() => parseColumnRule('=traits.a')).toThrow(MappingError);
    expect(() => parseColumnRule('a=traits..b')).toThrow(MappingError);
  });

  it('rejects mapping a column onto a whole traits object', () => {
    expect(() => parseColumnRule('a=traits')).toThrow(/name a field in it/);
  });

  it('rejects a path through __proto__', () => {
    expect(() => parseColumnRule('a=traits.__proto__.polluted')).toThrow(MappingError);
  });
});

describe('checkRulesAgree', () => {
  it('rejects a path that lies inside another column’s value', () => {
    const rules = [parseColumnRule('a=traits.address'), parseColumnRule('b=traits.address.city')];
    expect(() => checkRulesAgree(rules)).toThrow('both write traits.address');
  });

  it('rejects a column mapped twice', () => {
    const rules = [parseColumnRule('a=traits.a'), parseColumnRule('a=traits.b')];
    expect(() => checkRulesAgree(rules)).toThrow('mapped twice');
  });

  it('accepts sibling paths', () => {
    const rules = [
      parseColumnRule('a=traits.address.city'),
      parseColumnRule('b=traits.address.zip'),
    ];
    expect(() => checkRulesAgree(rules)).not.toThrow();
  });
});

describe('castCell', () => {
  it('reads decimal numbers, signs and exponents', () => {
    expect(castCell(' -12.50 ', rule('number'))).toBe(-12.5);
    expect(castCell('1e3', rule('number'))).toBe(1000);
  });

  it('rejects the row when a number cell is not a decimal number', () => {
    for (const cell of ['12abc', '0x10', 'Infinity', '1,5']) {
      expect(() => castCell(cell, rule('number'))).toThrow(RowRejectedError);
    }
  });

  it('reads true, false, 1 and 0 as booleans in any case', () => {
    expect(['TRUE', 'false', '1', '0'].map((cell) => castCell(cell, rule('boolean')))).toEqual([
      true,
      false,
      true,
      false,
    ]);
  });

  it('rejects the row when a boolean cell is anything else', () => {
    expect(() => castCell('constructor', rule('boolean'))).toThrow(/is not a boolean/);
  });

  it('keeps a string cell exactly as written', () => {
    expect(castCell(' 007 ', rule('string'))).toBe(' 007 ');
  });
});
