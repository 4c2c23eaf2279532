/** Running counts of one import run, shown by the progress line and the summary. */
export interface ImportTotals {
  totalBytes: number;
  bytesRead: number;
  rowsRead: number;
  /** Rows up to the checkpoint of an earlier run, read but not sent again. */
  rowsSkipped: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  rejectedByReason: Map<string, number>;
}

export function emptyTotals(totalBytes: number): ImportTotals {
  return {
    totalBytes,
    bytesRead: 0,
    rowsRead: 0,
    rowsSkipped: 0,
    accepted: 0,
    duplicates: 0,
    rejected: 0,
    rejectedByReason: new Map(),
  };
}

export function countRejection(totals: ImportTotals, reason: string): void {
  totals.rejected += 1;
  totals.rejectedByReason.set(reason, (totals.rejectedByReason.get(reason) ?? 0) + 1);
}
