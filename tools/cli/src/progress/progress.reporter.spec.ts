import { emptyTotals, type ImportTotals } from '../import/import-totals';
import { describeProgress, ProgressReporter } from './progress.reporter';

function totals(overrides: Partial<ImportTotals>): ImportTotals {
  return { ...emptyTotals(1_000_000), ...overrides };
}

describe('describeProgress', () => {
  it('shows the rate in rows per second and the ETA from the bytes left to read', () => {
    const line = describeProgress(
      totals({ bytesRead: 250_000, rowsRead: 5000, accepted: 4900, duplicates: 60, rejected: 2 }),
      10_000,
    );
    expect(line).toBe(
      '25% | ETA 30s | 5,000 rows (500/s) | accepted 4,900 | duplicates 60 | rejected 2',
    );
  });

  it('writes the ETA in minutes and hours when it is long', () => {
    expect(describeProgress(totals({ bytesRead: 10_000 }), 5000)).toContain('ETA 8m 15s');
    expect(describeProgress(totals({ bytesRead: 1000 }), 5000)).toContain('ETA 1h 23m');
  });

  it('leaves the ETA open before anything is read', () => {
    expect(describeProgress(totals({}), 0)).toContain('ETA --');
  });
});

describe('ProgressReporter', () => {
  it('writes a plain line at most every 10 seconds when stderr is not a terminal', () => {
    const lines: string[] = [];
    let now = 0;
    const reporter = new ProgressReporter({ write: (text: string) => lines.push(text) }, () => now);
    for (now = 0; now <= 25_000; now += 500) reporter.update(totals({ rowsRead: now }));
    expect(lines).toHaveLength(3);
    expect(lines.every((line) => line.endsWith('\n') && !line.includes('\r'))).toBe(true);
  });

  it('redraws one line in place on a terminal, with a bar', () => {
    const writes: string[] = [];
    let now = 0;
    const reporter = new ProgressReporter(
      { isTTY: true, columns: 200, write: (text: string) => writes.push(text) },
      () => now,
    );
    reporter.update(totals({ bytesRead: 500_000 }));
    now = 1000;
    reporter.finish(totals({ bytesRead: 1_000_000 }));
    expect(writes[0]).toBe(
      '\r\x1b[K[##########----------] 50% | ETA -- | 0 rows (0/s) | accepted 0 | duplicates 0 | rejected 0',
    );
    expect(writes[1]).toBe(
      '\r\x1b[K[####################] 100% | ETA 0s | 0 rows (0/s) | accepted 0 | duplicates 0 | rejected 0',
    );
    expect(writes[2]).toBe('\n');
  });

  it('drops the bar on a narrow terminal and never fills the last column', () => {
    const writes: string[] = [];
    const reporter = new ProgressReporter({
      isTTY: true,
      columns: 60,
      write: (text: string) => writes.push(text),
    });
    reporter.update(totals({ rowsRead: 12_345, accepted: 12_000 }));
    expect(writes[0]).toBe('\r\x1b[K0% | ETA -- | 12,345 rows (0/s) | accepted 12,000 | duplica');
  });
});
