import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eventually } from '@tessera/testing';
import { IngestionHarness } from './ingestion-harness';

const ROOT = path.resolve(__dirname, '../../..');
const CLI = path.join(ROOT, 'tools/cli/bin/tessera.js');
const ROWS = 20_000;

/** The checkpoint's row, or 0 while there is none. */
function checkpointRow(file: string): number {
  if (!existsSync(file)) return 0;
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { row: number }).row;
  } catch {
    return 0;
  }
}

/** Runs the CLI; with `interruptAt`, sends SIGINT once that checkpoint file records some progress. */
function runCli(
  args: string[],
  interruptAt?: string,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const watch = setInterval(() => {
      if (interruptAt && checkpointRow(interruptAt) > 0) {
        clearInterval(watch);
        child.kill('SIGINT');
      }
    }, 5);
    child.on('exit', (code) => {
      clearInterval(watch);
      resolve({ code, output });
    });
  });
}

describe('the bulk import CLI against the ingestion service', () => {
  let harness: IngestionHarness;
  let source: { id: string; writeKey: string };
  let dir: string;

  beforeAll(async () => {
    harness = await IngestionHarness.start('bulk-import');
    source = await harness.createSource();
    dir = mkdtempSync(path.join(tmpdir(), 'tessera-import-'));
  }, 60_000);

  afterAll(() => harness.close());

  it('imports a CSV through the API, reports the bad rows, and resumes after an interruption without duplicates', async () => {
    const file = path.join(dir, 'customers.csv');
    const lines = ['user_id,email,plan,lifetime_value'];
    for (let row = 1; row <= ROWS; row++) {
      // Every 500th row has no user id: the server refuses it and the report names it.
      lines.push(`${row % 500 === 0 ? '' : `user-${row}`},user${row}@example.com,pro,${row}.5`);
    }
    writeFileSync(file, lines.join('\n') + '\n');
    const args = [
      'import',
      file,
      '--source',
      source.writeKey,
      '--url',
      harness.url,
      '--type',
      'identify',
      '--map',
      'user_id=userId',
      '--map',
      'lifetime_value=traits.ltv:number',
      '--batch-size',
      '50',
      '--concurrency',
      '2',
    ];

    const interrupted = await runCli(args, `${file}.import-checkpoint.json`);
    expect(interrupted.code).toBe(130);
    const checkpoint = JSON.parse(readFileSync(`${file}.import-checkpoint.json`, 'utf8')) as {
      row: number;
    };
    expect(checkpoint.row).toBeLessThan(ROWS);
    const resumed = await runCli(args);
    expect(resumed.code).toBe(2); // finished, with rejected rows

    const bad = ROWS / 500;
    const events = await eventually(() => {
      const found = harness.acceptedFrom(source.id);
      return found.length >= ROWS - bad ? found : undefined;
    }, 60_000);
    const ids = new Set(events.map((event) => event.messageId));
    expect(ids.size).toBe(ROWS - bad);
    expect(events).toHaveLength(ROWS - bad);
    const sample = events.find((event) => event.userId === 'user-7');
    expect(sample?.traits).toEqual({ email: 'user7@example.com', plan: 'pro', ltv: 7.5 });

    const report = readFileSync(`${file}.import-report.ndjson`, 'utf8').trim().split('\n');
    expect(report.map((line) => (JSON.parse(line) as { row: number }).row)).toEqual(
      Array.from({ length: bad }, (_, i) => (i + 1) * 500),
    );
    expect(resumed.output).toMatch(/rejected/i);
  }, 180_000);
});
