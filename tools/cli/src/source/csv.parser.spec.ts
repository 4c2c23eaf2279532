import { CsvParser } from './csv.parser';
import { CsvSyntaxError } from './csv-syntax.error';

function parse(text: string, chunkSize = text.length || 1): string[][] {
  const parser = new CsvParser();
  const records: string[][] = [];
  for (let start = 0; start < text.length; start += chunkSize) {
    records.push(...parser.push(text.slice(start, start + chunkSize)));
  }
  return [...records, ...parser.end()];
}

function syntaxError(text: string, parser = new CsvParser()): CsvSyntaxError {
  try {
    parser.push(text);
    parser.end();
  } catch (error) {
    if (error instanceof CsvSyntaxError) return error;
    throw error;
  }
  throw new Error('expected a CsvSyntaxError');
}

describe('CsvParser', () => {
  it('splits records on line breaks and fields on commas', () => {
    expect(parse('a,b,c\n1,2,3\n')).toEqual([
      ['a', 'b', 'c'],
      ['1', '2', '3'],
    ]);
  });

  it('reads CRLF, LF and lone CR line breaks alike', () => {
    expect(parse('a,b\r\n1,2\n3,4\r5,6')).toEqual([
      ['a', 'b'],
      ['1', '2'],
      ['3', '4'],
      ['5', '6'],
    ]);
  });

  it('keeps commas, line breaks and doubled quotes inside quoted fields', () => {
    expect(parse('"a,b","line 1\r\nline 2","say ""hi"""\n')).toEqual([
      ['a,b', 'line 1\r\nline 2', 'say "hi"'],
    ]);
  });

  it('keeps empty fields, including a trailing one', () => {
    expect(parse('a,,c,\n,,\n')).toEqual([
      ['a', '', 'c', ''],
      ['', '', ''],
    ]);
  });

  it('completes a last record that has no line break', () => {
    expect(parse('a,b\n1,"2"')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  it('skips blank lines but keeps a line holding one quoted empty field', () => {
    expect(parse('a\n\n\r\n""\nb\n')).toEqual([['a'], [''], ['b']]);
  });

  it('gives the same records whatever the chunk boundaries', () => {
    const text = 'id,"note"\r\n1,"x, ""y""\r\nz"\r\n2,plain\r\n"3",""\r\n';
    const whole = parse(text);
    for (let size = 1; size < text.length; size += 1) {
      expect(parse(text, size)).toEqual(whole);
    }
  });

  it('keeps a quote inside an unquoted field as text', () => {
    expect(parse('5" screen,ok\n')).toEqual([['5" screen', 'ok']]);
  });

  it('names the line of a quoted field that is never closed', () => {
    const error = syntaxError('a,b\n1,2\n3,"open\nstill open\n');
    expect(error.line).toBe(3);
    expect(error.message).toContain('never closed');
  });

  it('stops on a record longer than the limit instead of buffering the rest of the file', () => {
    const error = syntaxError('a\n"x' + 'y'.repeat(100), new CsvParser(50));
    expect(error.line).toBe(2);
    expect(error.message).toContain('longer than 50 characters');
  });
});
