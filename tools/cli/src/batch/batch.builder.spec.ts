import { BODY_OVERHEAD_BYTES, renderBatchBody } from './batch-body';
import { BatchBuilder } from './batch.builder';
import type { ImportBatch } from './import-batch';

/** An event whose serialized form is exactly `bytes` long. */
function eventJson(row: number, bytes: number): string {
  const skeleton = JSON.stringify({ messageId: `m${row}`, pad: '' });
  return JSON.stringify({ messageId: `m${row}`, pad: 'x'.repeat(bytes - skeleton.length) });
}

function addEvents(builder: BatchBuilder, rows: number, bytes: number): ImportBatch[] {
  const batches: ImportBatch[] = [];
  for (let row = 1; row <= rows; row += 1) {
    batches.push(...builder.addEvent(row, `m${row}`, eventJson(row, bytes)));
  }
  return [...batches, ...builder.flush()];
}

const bodyBytes = (batch: ImportBatch): number =>
  Buffer.byteLength(renderBatchBody(batch.events, new Date()));

describe('BatchBuilder', () => {
  it('fills batches up to the batch size', () => {
    const batches = addEvents(new BatchBuilder({ maxEvents: 3, maxRequestBytes: 500_000 }), 7, 50);
    expect(batches.map((batch) => batch.events.map((event) => event.row))).toEqual([
      [1, 2, 3],
      [4, 5, 6],
      [7],
    ]);
  });

  it('starts a new batch before a request would exceed the byte limit', () => {
    const maxRequestBytes = BODY_OVERHEAD_BYTES + 3 * 100 + 2;
    const batches = addEvents(new BatchBuilder({ maxEvents: 100, maxRequestBytes }), 10, 100);
    expect(batches.map((batch) => batch.events.length)).toEqual([3, 3, 3, 1]);
    expect(batches.map(bodyBytes)).toEqual([
      maxRequestBytes,
      maxRequestBytes,
      maxRequestBytes,
      148,
    ]);
  });

  it('sizes requests with multi-byte characters by their UTF-8 bytes', () => {
    const builder = new BatchBuilder({ maxEvents: 100, maxRequestBytes: 1000 });
    const batches: ImportBatch[] = [];
    for (let row = 1; row <= 40; row += 1) {
      batches.push(...builder.addEvent(row, `m${row}`, JSON.stringify({ name: 'é€😀'.repeat(5) })));
    }
    batches.push(...builder.flush());
    expect(batches.length).toBeGreaterThan(1);
    for (const batch of batches) expect(bodyBytes(batch)).toBeLessThanOrEqual(1000);
    expect(batches.flatMap((batch) => batch.events)).toHaveLength(40);
  });

  it('rejects an event that alone would not fit in a request', () => {
    const builder = new BatchBuilder({ maxEvents: 100, maxRequestBytes: 1024 });
    builder.addEvent(1, 'm1', eventJson(1, 100));
    builder.addEvent(2, 'm2', eventJson(2, 2000));
    const [batch] = builder.flush();
    expect(batch.events.map((event) => event.row)).toEqual([1]);
    expect(batch.rejections).toEqual([
      expect.objectContaining({ row: 2, reason: 'payload_too_large', messageId: 'm2' }),
    ]);
  });

  it('covers every row with contiguous batches, rejected rows included', () => {
    const builder = new BatchBuilder({ maxEvents: 2, maxRequestBytes: 500_000 });
    const batches = [
      ...builder.addRejection({ row: 1, reason: 'invalid_json', message: '', messageId: null }),
      ...builder.addEvent(2, 'm2', '{}'),
      ...builder.addEvent(3, 'm3', '{}'),
      ...builder.addRejection({ row: 4, reason: 'invalid_json', message: '', messageId: null }),
      ...builder.flush(),
    ];
    expect(batches.map(({ firstRow, lastRow }) => [firstRow, lastRow])).toEqual([
      [1, 3],
      [4, 4],
    ]);
  });

  it('closes a batch of rejected rows at the batch size so the checkpoint can pass them', () => {
    const builder = new BatchBuilder({ maxEvents: 2, maxRequestBytes: 500_000 });
    const reject = (row: number): ImportBatch[] =>
      builder.addRejection({ row, reason: 'invalid_value', message: '', messageId: null });
    expect(reject(1)).toEqual([]);
    expect(reject(2)).toEqual([expect.objectContaining({ firstRow: 1, lastRow: 2, events: [] })]);
  });

  it('renders a body that parses back to the events and a sentAt', () => {
    const sentAt = new Date('2025-01-02T03:04:05.000Z');
    const body = renderBatchBody(
      [
        { row: 1, messageId: 'a', json: '{"messageId":"a"}' },
        { row: 2, messageId: 'b', json: '{"messageId":"b"}' },
      ],
      sentAt,
    );
    expect(JSON.parse(body)).toEqual({
      batch: [{ messageId: 'a' }, { messageId: 'b' }],
      sentAt: '2025-01-02T03:04:05.000Z',
    });
  });
});
