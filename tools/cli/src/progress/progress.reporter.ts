import type { ImportTotals } from '../import/import-totals';

/** What the import tells about its progress while it runs. */
export interface ProgressListener {
  update(totals: ImportTotals): void;
  /** A one-off message (a retry, the interruption) that must not be overwritten by the bar. */
  notice(text: string): void;
  finish(totals: ImportTotals): void;
}

export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

const BAR_WIDTH = 20;
const TERMINAL_INTERVAL_MS = 200;
const LOG_INTERVAL_MS = 10_000;

/** A progress bar redrawn in place on a terminal; a plain line every 10 s in a log. */
export class ProgressReporter implements ProgressListener {
  private readonly startedAt: number;
  private readonly intervalMs: number;
  private lastDrawnAt = Number.NEGATIVE_INFINITY;
  private lastLine = '';

  constructor(
    private readonly stream: ProgressStream,
    private readonly now: () => number = Date.now,
  ) {
    this.startedAt = now();
    this.intervalMs = stream.isTTY ? TERMINAL_INTERVAL_MS : LOG_INTERVAL_MS;
  }

  update(totals: ImportTotals): void {
    const now = this.now();
    if (now - this.lastDrawnAt < this.intervalMs) return;
    this.lastDrawnAt = now;
    this.draw(totals, now);
  }

  notice(text: string): void {
    if (!this.stream.isTTY) {
      this.stream.write(`${text}\n`);
      return;
    }
    this.stream.write(`\r\x1b[K${text}\n${this.lastLine}`);
  }

  finish(totals: ImportTotals): void {
    this.draw(totals, this.now());
    if (this.stream.isTTY) this.stream.write('\n');
  }

  private draw(totals: ImportTotals, now: number): void {
    const line = describeProgress(totals, now - this.startedAt);
    if (!this.stream.isTTY) {
      this.stream.write(`${line}\n`);
      return;
    }
    // The bar only where it fits; the counts matter more. The last column is left free so the
    // terminal does not wrap.
    const columns = this.stream.columns ?? 80;
    const withBar = `${bar(fraction(totals))} ${line}`;
    this.lastLine = (withBar.length < columns ? withBar : line).slice(0, columns - 1);
    this.stream.write(`\r\x1b[K${this.lastLine}`);
  }
}

/** `42% | ETA 1m 05s | 1,234 rows (2,345/s) | accepted 1,200 | duplicates 3 | rejected 31` */
export function describeProgress(totals: ImportTotals, elapsedMs: number): string {
  const seconds = elapsedMs / 1000;
  const rate = seconds > 0 ? Math.round(totals.rowsRead / seconds) : 0;
  return [
    `${Math.floor(fraction(totals) * 100)}%`,
    `ETA ${eta(totals, seconds)}`,
    `${count(totals.rowsRead)} rows (${count(rate)}/s)`,
    `accepted ${count(totals.accepted)}`,
    `duplicates ${count(totals.duplicates)}`,
    `rejected ${count(totals.rejected)}`,
  ].join(' | ');
}

export function count(value: number): string {
  return value.toLocaleString('en-US');
}

function fraction(totals: ImportTotals): number {
  return totals.totalBytes > 0 ? Math.min(1, totals.bytesRead / totals.totalBytes) : 1;
}

function bar(done: number): string {
  const filled = Math.round(done * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
}

/** From the bytes still to read at the rate read so far; unknown until something is read. */
function eta(totals: ImportTotals, seconds: number): string {
  if (totals.bytesRead === 0 || seconds === 0) return '--';
  const remaining = ((totals.totalBytes - totals.bytesRead) * seconds) / totals.bytesRead;
  return duration(Math.max(0, Math.round(remaining)));
}

function duration(totalSeconds: number): string {
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  if (hours) return `${hours}h ${pad(minutes)}m`;
  if (minutes) return `${minutes}m ${pad(seconds)}s`;
  return `${seconds}s`;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}
