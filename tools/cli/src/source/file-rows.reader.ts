import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { CsvParser } from './csv.parser';
import type { SourceRow } from './source-row';

const CHUNK_BYTES = 64 * 1024;
const BYTE_ORDER_MARK = '\uFEFF';

interface TextChunk {
  text: string;
  bytesRead: number;
}

/** Streams the file as UTF-8 text, dropping a leading byte order mark (spreadsheets write one). */
async function* readText(path: string): AsyncGenerator<TextChunk> {
  const decoder = new StringDecoder('utf8');
  let bytesRead = 0;
  let first = true;
  for await (const buffer of createReadStream(path, { highWaterMark: CHUNK_BYTES })) {
    const bytes = buffer as Buffer;
    bytesRead += bytes.length;
    let text = decoder.write(bytes);
    if (first && text.length > 0) {
      first = false;
      if (text.startsWith(BYTE_ORDER_MARK)) text = text.slice(1);
    }
    yield { text, bytesRead };
  }
  yield { text: decoder.end(), bytesRead };
}

/**
 * Yields the header of a CSV file first (as row 0), then its data records.
 * Only the current chunk's records are held in memory.
 */
export async function* readCsvRows(path: string): AsyncGenerator<SourceRow> {
  const parser = new CsvParser();
  let row = -1;
  let bytes = 0;
  for await (const { text, bytesRead } of readText(path)) {
    bytes = bytesRead;
    for (const content of parser.push(text)) {
      row += 1;
      yield { row, content, bytesRead };
    }
  }
  for (const content of parser.end()) {
    row += 1;
    yield { row, content, bytesRead: bytes };
  }
}

/** Yields the non-blank lines of an NDJSON file, numbered by line. */
export async function* readNdjsonRows(path: string): AsyncGenerator<SourceRow> {
  let pending = '';
  let line = 0;
  let bytes = 0;
  for await (const { text, bytesRead } of readText(path)) {
    bytes = bytesRead;
    pending += text;
    let start = 0;
    for (let end = pending.indexOf('\n'); end !== -1; end = pending.indexOf('\n', start)) {
      line += 1;
      const content = stripCarriageReturn(pending.slice(start, end));
      start = end + 1;
      if (content.trim() !== '') yield { row: line, content, bytesRead };
    }
    pending = pending.slice(start);
  }
  line += 1;
  if (pending.trim() !== '')
    yield { row: line, content: stripCarriageReturn(pending), bytesRead: bytes };
}

function stripCarriageReturn(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
