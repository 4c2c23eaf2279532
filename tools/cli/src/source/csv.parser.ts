import { CsvSyntaxError } from './csv-syntax.error';

const COMMA = 44;
const QUOTE = 34;
const CR = 13;
const LF = 10;

/** An unbalanced quote would otherwise swallow the rest of a large file into one field. */
const DEFAULT_MAX_RECORD_CHARS = 1_048_576;

type State = 'fieldStart' | 'unquoted' | 'quoted' | 'quoteInQuoted';

/**
 * Streaming RFC 4180 parser: quoted fields, doubled quotes, embedded line breaks, CRLF or LF.
 * Feed it text in chunks of any size; it returns the records completed by each chunk.
 * Lenient where files in the wild are: a quote inside an unquoted field is kept as text, and
 * blank lines are skipped.
 */
export class CsvParser {
  private state: State = 'fieldStart';
  private field = '';
  private fieldQuoted = false;
  private record: string[] = [];
  private recordChars = 0;
  private skipLf = false;
  private line = 1;
  private recordLine = 1;

  constructor(private readonly maxRecordChars = DEFAULT_MAX_RECORD_CHARS) {}

  push(chunk: string): string[][] {
    const records: string[][] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.skipLf) {
        this.skipLf = false;
        if (chunk.charCodeAt(i) === LF) {
          i += 1;
          continue;
        }
      }
      i = this.step(chunk, i, records);
    }
    return records;
  }

  /** Completes the last record when the file does not end with a line break. */
  end(): string[][] {
    if (this.state === 'quoted') {
      throw new CsvSyntaxError('a quoted field is never closed', this.recordLine);
    }
    if (this.state === 'fieldStart' && this.record.length === 0) return [];
    this.endField();
    return [this.endRecord()];
  }

  /** Consumes characters from `i` in the current state; returns where to continue. */
  private step(chunk: string, i: number, records: string[][]): number {
    switch (this.state) {
      case 'fieldStart':
        if (chunk.charCodeAt(i) === QUOTE) {
          this.state = 'quoted';
          this.fieldQuoted = true;
          return i + 1;
        }
        this.state = 'unquoted';
        return i;
      case 'quoted': {
        const quote = chunk.indexOf('"', i);
        const end = quote === -1 ? chunk.length : quote;
        this.append(chunk, i, end);
        this.line += countLineFeeds(chunk, i, end);
        if (quote === -1) return end;
        this.state = 'quoteInQuoted';
        return quote + 1;
      }
      case 'quoteInQuoted':
        if (chunk.charCodeAt(i) === QUOTE) {
          this.append(chunk, i, i + 1);
          this.state = 'quoted';
          return i + 1;
        }
        // The closing quote: whatever follows is read as in an unquoted field.
        this.state = 'unquoted';
        return i;
      case 'unquoted':
        return this.scanUnquoted(chunk, i, records);
    }
  }

  private scanUnquoted(chunk: string, i: number, records: string[][]): number {
    let end = i;
    while (end < chunk.length) {
      const code = chunk.charCodeAt(end);
      if (code === COMMA || code === CR || code === LF) break;
      end += 1;
    }
    this.append(chunk, i, end);
    if (end === chunk.length) return end;
    const delimiter = chunk.charCodeAt(end);
    if (delimiter === COMMA) {
      this.endField();
      return end + 1;
    }
    this.skipLf = delimiter === CR;
    const blankLine = this.record.length === 0 && this.field === '' && !this.fieldQuoted;
    this.endField();
    const record = this.endRecord();
    if (!blankLine) records.push(record);
    this.line += 1;
    this.recordLine = this.line;
    return end + 1;
  }

  private append(chunk: string, start: number, end: number): void {
    if (end === start) return;
    this.recordChars += end - start;
    if (this.recordChars > this.maxRecordChars) {
      throw new CsvSyntaxError(
        `the record is longer than ${this.maxRecordChars} characters (is a quote left open?)`,
        this.recordLine,
      );
    }
    this.field += chunk.slice(start, end);
  }

  private endField(): void {
    this.record.push(this.field);
    this.field = '';
    this.fieldQuoted = false;
    this.state = 'fieldStart';
  }

  private endRecord(): string[] {
    const record = this.record;
    this.record = [];
    this.recordChars = 0;
    return record;
  }
}

function countLineFeeds(text: string, start: number, end: number): number {
  let count = 0;
  for (let at = text.indexOf('\n', start); at !== -1 && at < end; at = text.indexOf('\n', at + 1)) {
    count += 1;
  }
  return count;
}
