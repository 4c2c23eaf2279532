import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { ImportSettings } from '../import/bulk-import.use-case';
import { parseColumnRule, type ColumnRule } from '../mapping/column-rule';
import { MappingError } from '../mapping/mapping.error';
import { EVENT_TYPES, isEventType } from '../mapping/segment-event';
import type { FileFormat } from '../source/source-row';
import { UsageError } from './usage.error';

export const USAGE = `Usage: tessera import <file> --source <writeKey> [options]

Imports customer records and events from a CSV or NDJSON file through the ingestion API.

Options:
  --source <writeKey>        the source's write key (or set TESSERA_WRITE_KEY)
  --url <url>                ingestion API (default http://127.0.0.1:8080)
  --format csv|ndjson        file format (default: from the extension .csv, .ndjson or .jsonl)
  --type <type>              event type of rows without one: ${EVENT_TYPES.join('|')}
                             (default: track when the row has an event name, else identify)
  --map <column>=<path>[:number|boolean|string]
                             where a CSV column goes, e.g. --map email=traits.email (repeatable)
  --event <name>             event name of track rows without one
  --batch-size <n>           events per request (default 100)
  --max-request-bytes <n>    request body limit (default 500000)
  --concurrency <n>          requests in flight (default 4)
  --report <file>            rejected rows (default <file>.import-report.ndjson)
  --checkpoint <file>        resume point (default <file>.import-checkpoint.json)
  --restart                  ignore the checkpoint and import the whole file again
  -h, --help                 show this help
`;

export interface ImportCommand {
  kind: 'import';
  url: string;
  writeKey: string;
  settings: ImportSettings;
}

export type Command = { kind: 'help' } | ImportCommand;

const DEFAULT_URL = 'http://127.0.0.1:8080';

const OPTIONS = {
  source: { type: 'string' },
  url: { type: 'string', default: DEFAULT_URL },
  format: { type: 'string' },
  type: { type: 'string' },
  map: { type: 'string', multiple: true },
  event: { type: 'string' },
  'batch-size': { type: 'string', default: '100' },
  'max-request-bytes': { type: 'string', default: '500000' },
  concurrency: { type: 'string', default: '4' },
  report: { type: 'string' },
  checkpoint: { type: 'string' },
  restart: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} satisfies ParseArgsConfig['options'];

/** `env` supplies TESSERA_WRITE_KEY, which keeps the key out of the process list and shell history. */
export function parseCommandLine(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Command {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) return { kind: 'help' };
  const [command, file, ...extra] = positionals;
  if (command !== 'import') throw new UsageError(`unknown command "${command}"`);
  if (file === undefined) throw new UsageError('name the file to import');
  if (extra.length) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
  const writeKey = values.source ?? env.TESSERA_WRITE_KEY;
  if (!writeKey) throw new UsageError('--source <writeKey> is required (or set TESSERA_WRITE_KEY)');
  const format = fileFormat(file, values.format);
  const maps = values.map ?? [];
  if (maps.length && format !== 'csv') throw new UsageError('--map applies to CSV files');
  return {
    kind: 'import',
    url: httpUrl(values.url),
    writeKey,
    settings: {
      file,
      format,
      rules: maps.map(columnRule),
      defaults: { type: eventType(values.type), event: values.event },
      batchSize: integer('--batch-size', values['batch-size'], 1, 10_000),
      maxRequestBytes: integer(
        '--max-request-bytes',
        values['max-request-bytes'],
        1024,
        100_000_000,
      ),
      concurrency: integer('--concurrency', values.concurrency, 1, 64),
      reportPath: values.report ?? `${file}.import-report.ndjson`,
      checkpointPath: values.checkpoint ?? `${file}.import-checkpoint.json`,
      restart: values.restart,
    },
  };
}

function fileFormat(file: string, option: string | undefined): FileFormat {
  if (option === 'csv' || option === 'ndjson') return option;
  if (option !== undefined) throw new UsageError(`--format must be csv or ndjson, not "${option}"`);
  const lower = file.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.ndjson') || lower.endsWith('.jsonl')) return 'ndjson';
  throw new UsageError(`cannot tell the format of ${file} from its extension; pass --format`);
}

function eventType(option: string | undefined): ImportSettings['defaults']['type'] {
  if (option === undefined || isEventType(option)) return option;
  throw new UsageError(`--type must be one of ${EVENT_TYPES.join(', ')}, not "${option}"`);
}

function columnRule(spec: string): ColumnRule {
  try {
    return parseColumnRule(spec);
  } catch (error) {
    if (error instanceof MappingError) throw new UsageError(`--map: ${error.message}`);
    throw error;
  }
}

function httpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--url "${value}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--url must be http or https, not ${url.protocol}`);
  }
  return url.href;
}

function integer(name: string, value: string, min: number, max: number): number {
  const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(parsed >= min && parsed <= max)) {
    throw new UsageError(`${name} must be a whole number from ${min} to ${max}, not "${value}"`);
  }
  return parsed;
}
