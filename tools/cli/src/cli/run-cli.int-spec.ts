import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Checkpoint } from '../checkpoint/checkpoint';
import { FakeIngestionServer, type FakeIngestionOptions } from '../test/fake-ingestion.server';
import { EXIT_CODES, runCli } from './run-cli';

const WRITE_KEY = 'wk_test';

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** The waits the CLI asked for between tries, in ms (they are not actually waited). */
  sleeps: number[];
}

describe('tessera import against the ingestion API', () => {
  let directory: string;
  let server: FakeIngestionServer;
  let url: string;

  async function startServer(options: Partial<FakeIngestionOptions> = {}): Promise<void> {
    server = new FakeIngestionServer({ writeKey: WRITE_KEY, ...options });
    url = await server.start();
  }

  beforeEach(async () => {
    directory = mkdtempSync(path.join(tmpdir(), 'tessera-cli-import-'));
    await startServer();
  });

  afterEach(async () => {
    await server.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  function file(name: string, content: string): string {
    const filePath = path.join(directory, name);
    writeFileSync(filePath, content);
    return filePath;
  }

  function usersCsv(rows: number, cell: (row: number) => string = (row) => `${row}.5`): string {
    const lines = Array.from({ length: rows }, (_, i) => `u${i + 1},u${i + 1}@x.io,${cell(i + 1)}`);
    return file('users.csv', `user_id,email,total\r\n${lines.join('\r\n')}\r\n`);
  }

  async function run(args: string[], interrupt = new AbortController().signal): Promise<CliRun> {
    let stdout = '';
    let stderr = '';
    const sleeps: number[] = [];
    const code = await runCli(['import', ...args, '--url', url], {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { isTTY: false, write: (text: string) => (stderr += text) },
      env: {},
      interrupt,
      retry: {
        sleep: async (ms) => {
          sleeps.push(ms);
        },
        random: () => 1,
      },
    });
    return { code, stdout, stderr, sleeps };
  }

  const csvArgs = (csv: string, ...extra: string[]): string[] => [
    csv,
    '--source',
    WRITE_KEY,
    '--map',
    'user_id=userId',
    '--map',
    'total=properties.revenue:number',
    '--event',
    'Order Completed',
    ...extra,
  ];

  function reportLines(csv: string): Record<string, unknown>[] {
    return readFileSync(`${csv}.import-report.ndjson`, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  function checkpointOf(csv: string): Checkpoint {
    return JSON.parse(readFileSync(`${csv}.import-checkpoint.json`, 'utf8')) as Checkpoint;
  }

  it('imports every row of a mapped CSV file and prints the totals', async () => {
    const csv = usersCsv(250);
    const result = await run(csvArgs(csv, '--batch-size', '100'));
    expect(result.code).toBe(EXIT_CODES.completed);
    expect(server.requests.map((request) => request.messageIds.length)).toEqual([100, 100, 50]);
    expect(server.events.size).toBe(250);
    const [firstId] = server.requests[0].messageIds;
    expect(firstId).toMatch(/^import-[0-9a-f]{32}$/);
    expect(server.events.get(firstId)).toEqual({
      userId: 'u1',
      type: 'track',
      event: 'Order Completed',
      properties: { revenue: 1.5, email: 'u1@x.io' },
      messageId: firstId,
    });
    expect(result.stdout).toMatch(/accepted\s+250\n/);
    expect(checkpointOf(csv).row).toBe(250);
    expect(existsSync(`${csv}.import-report.ndjson`)).toBe(false);
  });

  it('imports an NDJSON file, keeping the messageIds its rows carry', async () => {
    const ndjson = file(
      'events.ndjson',
      '{"userId":"u1","event":"Signed Up","messageId":"own-1"}\n\n{"userId":"u2","traits":{"plan":"pro"}}\n',
    );
    const result = await run([ndjson, '--source', WRITE_KEY]);
    expect(result.code).toBe(EXIT_CODES.completed);
    expect(server.events.get('own-1')).toMatchObject({ type: 'track', event: 'Signed Up' });
    const [, derived] = server.requests[0].messageIds;
    expect(server.events.get(derived)).toMatchObject({ type: 'identify', userId: 'u2' });
  });

  it('sends a request answered 503 again after a back-off, and counts its events once', async () => {
    server.respondNext({ status: 503, body: { success: false, error: 'unavailable' } });
    const csv = usersCsv(10);
    const result = await run(csvArgs(csv));
    expect(result.code).toBe(EXIT_CODES.completed);
    expect(server.requests.map((request) => request.status)).toEqual([503, 200]);
    expect(server.requests[1].messageIds).toEqual(server.requests[0].messageIds);
    expect(result.sleeps).toEqual([500]);
    expect(result.stderr).toContain('503: unavailable; retrying in 0.5 s (try 2 of 8)');
    expect(result.stdout).toMatch(/accepted\s+10\n/);
  });

  it('waits as long as Retry-After says when rate limited', async () => {
    server.respondNext({ status: 429, headers: { 'retry-after': '7' }, body: {} });
    const result = await run(csvArgs(usersCsv(10)));
    expect(result.code).toBe(EXIT_CODES.completed);
    expect(result.sleeps).toEqual([7000]);
    expect(server.events.size).toBe(10);
  });

  it('reports rows rejected by the server or by the mapping, and imports the rest', async () => {
    await server.stop();
    await startServer({ forbiddenEvents: ['Refund'] });
    const csv = file(
      'orders.csv',
      'user_id,event,total\nu1,Order Completed,10\nu2,Refund,5\nu3,Order Completed,ten\nu4,Order Completed,3\n',
    );
    const result = await run([
      csv,
      '--source',
      WRITE_KEY,
      '--map',
      'user_id=userId',
      '--map',
      'event=event',
      '--map',
      'total=properties.total:number',
    ]);
    expect(result.code).toBe(EXIT_CODES.completedWithRejections);
    expect(server.events.size).toBe(2);
    const refund = server.requests[0].messageIds[1];
    expect(reportLines(csv)).toEqual([
      {
        row: 2,
        reason: 'tracking_plan_violation',
        message: 'event "Refund" is not in the tracking plan',
        messageId: refund,
      },
      {
        row: 3,
        reason: 'invalid_value',
        message: 'column "total": "ten" is not a number',
        messageId: null,
      },
    ]);
    expect(result.stdout).toMatch(
      /rejected\s+2\n\s+invalid_value\s+1\n\s+tracking_plan_violation\s+1\n/,
    );
  });

  it('resumes after an interruption without re-sending any acknowledged row', async () => {
    const interrupt = new AbortController();
    await server.stop();
    await startServer({
      beforeAnswer: (request) => (request === 3 ? interrupt.abort() : undefined),
    });
    const csv = usersCsv(100);
    const first = await run(
      csvArgs(csv, '--batch-size', '10', '--concurrency', '1'),
      interrupt.signal,
    );
    expect(first.code).toBe(EXIT_CODES.interrupted);
    expect(checkpointOf(csv).row).toBe(30);
    const acknowledged = new Set(server.sentMessageIds);
    expect(acknowledged.size).toBe(30);

    const second = await run(csvArgs(csv, '--batch-size', '10', '--concurrency', '1'));
    expect(second.code).toBe(EXIT_CODES.completed);
    const resent = server.requests.slice(3).flatMap((request) => request.messageIds);
    expect(resent).toHaveLength(70);
    expect(resent.filter((id) => acknowledged.has(id))).toEqual([]);
    expect(server.events.size).toBe(100);
    expect(second.stdout).toMatch(/skipped \(done by an earlier run\)\s+30\n/);
  });

  it('keeps the report of the interrupted run and adds only the rows after its checkpoint', async () => {
    const interrupt = new AbortController();
    await server.stop();
    await startServer({
      beforeAnswer: (request) => (request === 2 ? interrupt.abort() : undefined),
    });
    const csv = usersCsv(40, (row) => (row % 10 === 5 ? 'bad' : '1'));
    const args = csvArgs(csv, '--batch-size', '9', '--concurrency', '1');
    await run(args, interrupt.signal);
    await run(args);
    expect(reportLines(csv).map((line) => line.row)).toEqual([5, 15, 25, 35]);
  });

  it('sends every row once with several requests in flight answered out of order', async () => {
    await server.stop();
    await startServer({
      beforeAnswer: (request) =>
        new Promise((resolve) => setTimeout(resolve, (7 - (request % 7)) * 3)),
    });
    const csv = usersCsv(500);
    const result = await run(csvArgs(csv, '--batch-size', '20', '--concurrency', '4'));
    expect(result.code).toBe(EXIT_CODES.completed);
    expect(server.sentMessageIds).toHaveLength(500);
    expect(server.events.size).toBe(500);
    expect(checkpointOf(csv).row).toBe(500);
  });

  it('keeps every request under --max-request-bytes', async () => {
    await server.stop();
    await startServer({ maxRequestBytes: 2000 });
    const result = await run(csvArgs(usersCsv(100), '--max-request-bytes', '2000'));
    expect(result.code).toBe(EXIT_CODES.completed);
    expect(server.requests.length).toBeGreaterThan(5);
    expect(Math.max(...server.requests.map((request) => request.bytes))).toBeLessThanOrEqual(2000);
    expect(server.events.size).toBe(100);
  });

  it('sends the same messageIds again on --restart, so the server counts duplicates', async () => {
    const csv = usersCsv(20);
    await run(csvArgs(csv));
    const again = await run(csvArgs(csv, '--restart'));
    expect(again.code).toBe(EXIT_CODES.completed);
    expect(again.stdout).toMatch(/accepted\s+0\n\s+duplicates\s+20\n/);
    expect(server.events.size).toBe(20);
  });

  it('forgets the old checkpoint on --restart, even when the restart fails at once', async () => {
    const csv = usersCsv(20);
    await run(csvArgs(csv));
    const refused = await run([...csvArgs(csv, '--restart'), '--source', 'wrong']);
    expect(refused.code).toBe(EXIT_CODES.failed);
    expect(existsSync(`${csv}.import-checkpoint.json`)).toBe(false);
  });

  it('stops with a clear message when the write key is refused', async () => {
    const csv = usersCsv(10);
    const result = await run([...csvArgs(csv), '--source', 'wrong']);
    expect(result.code).toBe(EXIT_CODES.failed);
    expect(result.stderr).toContain(
      'the server refused the write key (401: unauthorized: bad key)',
    );
    expect(server.requests).toHaveLength(1);
    expect(existsSync(`${csv}.import-checkpoint.json`)).toBe(false);
  });

  it('gives up after 8 tries, leaving a checkpoint from which the next run resumes', async () => {
    await server.stop();
    const unavailable = Array.from({ length: 8 }, () => ({ status: 503 }));
    await startServer({
      beforeAnswer: (request) => {
        if (request === 2) server.respondNext(...unavailable);
      },
    });
    const csv = usersCsv(30);
    const args = csvArgs(csv, '--batch-size', '10', '--concurrency', '1');
    const failed = await run(args);
    expect(failed.code).toBe(EXIT_CODES.failed);
    expect(failed.stderr).toContain('failed 8 times, the last with 503');
    expect(failed.stderr).toContain(
      'Rows up to 10 are acknowledged; the same command resumes after them.',
    );
    expect(failed.sleeps).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000]);
    expect(checkpointOf(csv).row).toBe(10);

    const resumed = await run(args);
    expect(resumed.code).toBe(EXIT_CODES.completed);
    const acknowledged = new Set(server.requests[0].messageIds);
    const resent = server.requests.slice(9).flatMap((request) => request.messageIds);
    expect(resent).toHaveLength(20);
    expect(resent.filter((id) => acknowledged.has(id))).toEqual([]);
    expect(server.events.size).toBe(30);
  });

  it('refuses to resume when the file changed since the checkpoint', async () => {
    const csv = usersCsv(5);
    await run(csvArgs(csv));
    writeFileSync(csv, `${readFileSync(csv, 'utf8')}u6,u6@x.io,1\r\n`);
    const result = await run(csvArgs(csv));
    expect(result.code).toBe(EXIT_CODES.failed);
    expect(result.stderr).toContain('changed since it was written');
    expect(result.stderr).toContain('--restart');
  });

  it('stops before sending when --map names a column the file lacks', async () => {
    const result = await run([usersCsv(5), '--source', WRITE_KEY, '--map', 'mail=traits.email']);
    expect(result.code).toBe(EXIT_CODES.failed);
    expect(result.stderr).toContain('--map names "mail", not in the header');
    expect(result.stdout).toBe('');
    expect(server.requests).toHaveLength(0);
  });
});
