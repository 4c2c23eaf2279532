import type { AvroField, AvroRecordSchema } from '../schemas/avro-schema';
import { RELEASED_SCHEMAS, SCHEMAS } from '../schemas/contract-schemas';
import { checkBackwardCompatibility } from './check-compatibility';

const released: AvroRecordSchema = {
  type: 'record',
  name: 'Order',
  namespace: 'test.v1',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'quantity', type: 'int' },
    {
      name: 'status',
      type: { type: 'enum', name: 'Status', symbols: ['open', 'paid', 'shipped'] },
    },
  ],
};

function evolved(change: (fields: AvroField[]) => AvroField[]): AvroRecordSchema {
  return { ...released, fields: change(released.fields) };
}

function replaced(name: string, field: AvroField): (fields: AvroField[]) => AvroField[] {
  return (fields) => fields.map((candidate) => (candidate.name === name ? field : candidate));
}

describe('checkBackwardCompatibility', () => {
  it('passes the current contract schemas against every released version', () => {
    expect(checkBackwardCompatibility(Object.values(SCHEMAS), RELEASED_SCHEMAS)).toEqual([]);
  });

  it('passes a new field with a default', () => {
    const current = evolved((fields) => [
      ...fields,
      { name: 'note', type: ['null', 'string'], default: null },
    ]);
    expect(checkBackwardCompatibility([current], [released])).toEqual([]);
  });

  it('fails a new field without a default and names it', () => {
    const current = evolved((fields) => [...fields, { name: 'note', type: 'string' }]);
    expect(checkBackwardCompatibility([current], [released])).toEqual([
      {
        schema: 'test.v1.Order',
        path: 'note',
        message: 'new field has no default, so older records cannot fill it',
      },
    ]);
  });

  it('fails an enum that lost a symbol and names the symbol', () => {
    const current = evolved(
      replaced('status', {
        name: 'status',
        type: { type: 'enum', name: 'Status', symbols: ['open', 'paid'] },
      }),
    );
    expect(checkBackwardCompatibility([current], [released])).toEqual([
      {
        schema: 'test.v1.Order',
        path: 'status',
        message: 'enum symbols removed without an enum default: shipped',
      },
    ]);
  });

  it('passes an enum that lost a symbol but has a default for it', () => {
    const status = {
      type: 'enum' as const,
      name: 'Status',
      symbols: ['open', 'paid'],
      default: 'open',
    };
    const current = evolved(replaced('status', { name: 'status', type: status }));
    expect(checkBackwardCompatibility([current], [released])).toEqual([]);
  });

  it('passes widening an int to a long', () => {
    const current = evolved(replaced('quantity', { name: 'quantity', type: 'long' }));
    expect(checkBackwardCompatibility([current], [released])).toEqual([]);
  });

  it('fails a type change Avro cannot promote and names the field', () => {
    const current = evolved(replaced('quantity', { name: 'quantity', type: 'string' }));
    expect(checkBackwardCompatibility([current], [released])).toEqual([
      {
        schema: 'test.v1.Order',
        path: 'quantity',
        message: 'written as int, which Avro cannot read as string',
      },
    ]);
  });

  it('passes removing a field, which readers skip', () => {
    const current = evolved((fields) => fields.filter((field) => field.name !== 'quantity'));
    expect(checkBackwardCompatibility([current], [released])).toEqual([]);
  });

  it('passes a renamed field that keeps its old name as an alias', () => {
    const current = evolved(
      replaced('quantity', { name: 'count', type: 'int', aliases: ['quantity'] }),
    );
    expect(checkBackwardCompatibility([current], [released])).toEqual([]);
  });

  it('fails a released schema that was removed', () => {
    expect(checkBackwardCompatibility([], [released])).toEqual([
      {
        schema: 'test.v1.Order',
        path: '',
        message: 'removed: no current schema reads its records',
      },
    ]);
  });

  it('finds the field inside a nested record', () => {
    const line = (fields: AvroField[]): AvroField => ({
      name: 'lines',
      type: { type: 'array', items: { type: 'record', name: 'Line', fields } },
    });
    const withLines = evolved((fields) => [...fields, line([{ name: 'sku', type: 'string' }])]);
    const current = evolved((fields) => [
      ...fields,
      line([
        { name: 'sku', type: 'string' },
        { name: 'price', type: 'double' },
      ]),
    ]);
    expect(checkBackwardCompatibility([current], [withLines])).toEqual([
      expect.objectContaining({ path: 'lines[].price' }),
    ]);
  });
});
