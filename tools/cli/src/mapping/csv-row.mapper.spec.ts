import { parseColumnRule } from './column-rule';
import { CsvRowMapper } from './csv-row.mapper';
import { MappingError } from './mapping.error';
import { RowRejectedError } from './row-rejected.error';
import type { EventDefaults } from './segment-event';

function mapper(header: string[], maps: string[], defaults: EventDefaults = {}): CsvRowMapper {
  return new CsvRowMapper(header, maps.map(parseColumnRule), defaults);
}

/** Compares as JSON, which is what is sent (the mapper builds null-prototype objects). */
function json(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

describe('CsvRowMapper', () => {
  it('puts mapped columns at their paths, cast to their types', () => {
    const rows = mapper(
      ['user_id', 'total', 'vip'],
      ['user_id=userId', 'total=properties.revenue:number', 'vip=traits.vip:boolean'],
      { type: 'track', event: 'Order Completed' },
    );
    expect(json(rows.map(['u1', '9.99', 'true']))).toEqual({
      userId: 'u1',
      properties: { revenue: 9.99 },
      traits: { vip: true },
      type: 'track',
      event: 'Order Completed',
    });
  });

  it('makes a row without an event name an identify call, with unmapped columns as traits', () => {
    const rows = mapper(['id', 'email', 'plan'], ['id=userId']);
    expect(json(rows.map(['u1', 'a@b.c', 'pro']))).toEqual({
      userId: 'u1',
      type: 'identify',
      traits: { email: 'a@b.c', plan: 'pro' },
    });
  });

  it('makes a row with an event name a track call, with unmapped columns as properties', () => {
    const rows = mapper(['id', 'what', 'sku'], ['id=userId', 'what=event']);
    expect(json(rows.map(['u1', 'Viewed', 'A-1']))).toEqual({
      userId: 'u1',
      event: 'Viewed',
      type: 'track',
      properties: { sku: 'A-1' },
    });
  });

  it('omits empty cells, mapped or not', () => {
    const rows = mapper(['id', 'total', 'plan'], ['id=userId', 'total=traits.total:number']);
    expect(json(rows.map(['u1', '', '']))).toEqual({ userId: 'u1', type: 'identify' });
  });

  it('lets a mapped column win over an unmapped column of the same name', () => {
    const rows = mapper(['email', 'work_email'], ['work_email=traits.email']);
    expect(json(rows.map(['home@x.io', 'work@x.io']))).toEqual({
      traits: { email: 'work@x.io' },
      type: 'identify',
    });
  });

  it('keeps a column named __proto__ as data', () => {
    const event = mapper(['__proto__'], []).map(['x']);
    expect(JSON.stringify(event)).toBe('{"type":"identify","traits":{"__proto__":"x"}}');
  });

  it('rejects a row whose number cell is not a number', () => {
    const rows = mapper(['total'], ['total=properties.total:number'], { type: 'track' });
    expect(() => rows.map(['ten'])).toThrow(RowRejectedError);
  });

  it('rejects a row with more fields than the header names', () => {
    expect(() => mapper(['a'], []).map(['1', '2'])).toThrow(/2 fields but the header names 1/);
  });

  it('treats missing trailing fields as empty', () => {
    expect(json(mapper(['a', 'b'], []).map(['1']))).toEqual({
      type: 'identify',
      traits: { a: '1' },
    });
  });

  it('refuses a mapping that names a column the header lacks, listing the columns', () => {
    expect(() => mapper(['id', 'mail'], ['email=traits.email'])).toThrow(
      new MappingError('--map names "email", not in the header; the columns are "id", "mail"'),
    );
  });

  it('refuses a header that names a column twice', () => {
    expect(() => mapper(['id', 'id'], [])).toThrow(/names column "id" twice/);
  });
});
