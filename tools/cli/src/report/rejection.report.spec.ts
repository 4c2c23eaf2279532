import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RejectionReport } from './rejection.report';

describe('RejectionReport', () => {
  let directory: string;
  let reportPath: string;

  beforeEach(() => {
    directory = mkdtempSync(path.join(tmpdir(), 'tessera-cli-report-'));
    reportPath = path.join(directory, 'users.csv.import-report.ndjson');
  });

  afterEach(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('writes one JSON line per rejected row and counts its bytes', () => {
    const report = new RejectionReport(reportPath, 0);
    report.append([
      { row: 3, reason: 'invalid_value', message: 'bad', messageId: null },
      { row: 9, reason: 'tracking_plan_violation', message: 'no', messageId: 'm9' },
    ]);
    report.close();
    const text = readFileSync(reportPath, 'utf8');
    expect(
      text
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown),
    ).toEqual([
      { row: 3, reason: 'invalid_value', message: 'bad', messageId: null },
      { row: 9, reason: 'tracking_plan_violation', message: 'no', messageId: 'm9' },
    ]);
    expect(report.bytes).toBe(Buffer.byteLength(text));
  });

  it('removes the report of an earlier import when starting afresh', () => {
    writeFileSync(reportPath, '{"row":1}\n');
    new RejectionReport(reportPath, 0).close();
    expect(existsSync(reportPath)).toBe(false);
  });

  it('cuts the report back to the size the resumed checkpoint recorded', () => {
    writeFileSync(reportPath, '{"row":1}\n{"row":7}\n');
    const report = new RejectionReport(reportPath, 10);
    report.append([{ row: 7, reason: 'invalid_json', message: 'x', messageId: null }]);
    report.close();
    const rows = readFileSync(reportPath, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => (JSON.parse(line) as { row: number }).row);
    expect(rows).toEqual([1, 7]);
  });
});
