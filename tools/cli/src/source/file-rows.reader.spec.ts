import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readCsvRows, readNdjsonRows } from './file-rows.reader';
import type { SourceRow } from './source-row';

async function collect(rows: AsyncGenerator<SourceRow>): Promise<SourceRow[]> {
  const all: SourceRow[] = [];
  for await (const row of rows) all.push(row);
  return all;
}

describe('file rows', () => {
  let directory: string;

  beforeEach(() => {
    directory = mkdtempSync(path.join(tmpdir(), 'tessera-cli-rows-'));
  });

  afterEach(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  function file(name: string, content: string): string {
    const filePath = path.join(directory, name);
    writeFileSync(filePath, content);
    return filePath;
  }

  it('numbers NDJSON rows by line, skipping blank lines and dropping carriage returns', async () => {
    const rows = await collect(readNdjsonRows(file('a.ndjson', '{"a":1}\r\n\n  \n{"b":2}')));
    expect(rows.map(({ row, content }) => [row, content])).toEqual([
      [1, '{"a":1}'],
      [4, '{"b":2}'],
    ]);
  });

  it('yields the CSV header as row 0 and data records from row 1, without a byte order mark', async () => {
    const rows = await collect(readCsvRows(file('a.csv', '\uFEFFid,note\n1,"two\nlines"\n2,x\n')));
    expect(rows.map(({ row, content }) => [row, content])).toEqual([
      [0, ['id', 'note']],
      [1, ['1', 'two\nlines']],
      [2, ['2', 'x']],
    ]);
  });

  it('reports the bytes read, reaching the file size at the last row', async () => {
    const content = `id\n${Array.from({ length: 50_000 }, (_, i) => `row-${i}`).join('\n')}\n`;
    const rows = await collect(readCsvRows(file('big.csv', content)));
    expect(rows[1].bytesRead).toBeLessThan(content.length);
    expect(rows.at(-1)?.bytesRead).toBe(Buffer.byteLength(content));
  });
});
