import { parseCommandLine, type ImportCommand } from './command-line';
import { UsageError } from './usage.error';

function importCommand(argv: string[], env: Record<string, string> = {}): ImportCommand {
  const command = parseCommandLine(argv, env);
  if (command.kind !== 'import') throw new Error('expected an import command');
  return command;
}

describe('parseCommandLine', () => {
  it('applies the documented defaults', () => {
    const { url, writeKey, settings } = importCommand([
      'import',
      'data/users.csv',
      '--source',
      'k',
    ]);
    expect(url).toBe('http://127.0.0.1:8080/');
    expect(writeKey).toBe('k');
    expect(settings).toEqual({
      file: 'data/users.csv',
      format: 'csv',
      rules: [],
      defaults: { type: undefined, event: undefined },
      batchSize: 100,
      maxRequestBytes: 500_000,
      concurrency: 4,
      reportPath: 'data/users.csv.import-report.ndjson',
      checkpointPath: 'data/users.csv.import-checkpoint.json',
      restart: false,
    });
  });

  it('tells the format from the extension, and --format overrides it', () => {
    expect(importCommand(['import', 'e.jsonl', '--source', 'k']).settings.format).toBe('ndjson');
    expect(importCommand(['import', 'E.NDJSON', '--source', 'k']).settings.format).toBe('ndjson');
    expect(
      importCommand(['import', 'e.txt', '--source', 'k', '--format', 'csv']).settings.format,
    ).toBe('csv');
    expect(() => parseCommandLine(['import', 'e.txt', '--source', 'k'], {})).toThrow(/--format/);
  });

  it('collects repeated --map options into column rules', () => {
    const { settings } = importCommand([
      'import',
      'u.csv',
      '--source',
      'k',
      '--map',
      'email=traits.email',
      '--map',
      'total=properties.revenue:number',
    ]);
    expect(settings.rules.map((rule) => [rule.column, rule.path.join('.'), rule.cast])).toEqual([
      ['email', 'traits.email', 'string'],
      ['total', 'properties.revenue', 'number'],
    ]);
  });

  it('takes the write key from TESSERA_WRITE_KEY when --source is absent', () => {
    expect(importCommand(['import', 'u.csv'], { TESSERA_WRITE_KEY: 'env-key' }).writeKey).toBe(
      'env-key',
    );
  });

  it.each([
    [['import', 'u.csv'], '--source <writeKey> is required'],
    [['export', 'u.csv', '--source', 'k'], 'unknown command "export"'],
    [
      ['import', 'u.csv', '--source', 'k', '--batch-size', '0'],
      '--batch-size must be a whole number',
    ],
    [['import', 'u.csv', '--source', 'k', '--concurrency', '2.5'], '--concurrency must be'],
    [['import', 'u.csv', '--source', 'k', '--type', 'click'], '--type must be one of'],
    [['import', 'e.ndjson', '--source', 'k', '--map', 'a=traits.a'], '--map applies to CSV'],
    [['import', 'u.csv', '--source', 'k', '--map', 'a=traits.a:date'], '--map: "date"'],
    [['import', 'u.csv', '--source', 'k', '--url', 'ftp://x'], '--url must be http or https'],
    [['import', 'u.csv', '--source', 'k', '--bogus'], "Unknown option '--bogus'"],
  ])('rejects %j as a usage error', (argv, message) => {
    expect(() => parseCommandLine(argv, {})).toThrow(UsageError);
    expect(() => parseCommandLine(argv, {})).toThrow(message);
  });

  it('asks for help without arguments or with --help', () => {
    expect(parseCommandLine([], {})).toEqual({ kind: 'help' });
    expect(parseCommandLine(['import', '--help'], {})).toEqual({ kind: 'help' });
  });
});
