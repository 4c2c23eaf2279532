import type { ImportResult, ImportSettings } from '../import/bulk-import.use-case';
import { count } from '../progress/progress.reporter';

/** The end-of-run summary printed on stdout. */
export function renderSummary(settings: ImportSettings, result: ImportResult): string {
  const { totals } = result;
  const lines = [`${settings.file}: import ${result.status}`, line('rows read', totals.rowsRead)];
  if (totals.rowsSkipped) lines.push(line('skipped (done by an earlier run)', totals.rowsSkipped));
  lines.push(
    line('accepted', totals.accepted),
    line('duplicates', totals.duplicates),
    line('rejected', totals.rejected),
  );
  const reasons = [...totals.rejectedByReason].sort(([a], [b]) => a.localeCompare(b));
  for (const [reason, rows] of reasons) lines.push(line(`  ${reason}`, rows));
  if (result.reportWritten) lines.push(`  report: ${settings.reportPath}`);
  if (result.checkpointRow > 0) {
    lines.push(
      `  checkpoint: ${settings.checkpointPath} (rows up to ${result.checkpointRow} acknowledged)`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function line(label: string, value: number): string {
  return `  ${label.padEnd(34)}${count(value).padStart(10)}`;
}
