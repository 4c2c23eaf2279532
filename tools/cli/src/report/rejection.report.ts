import { closeSync, openSync, rmSync, statSync, truncateSync, writeSync } from 'node:fs';
import type { RowRejection } from '../batch/import-batch';

/**
 * The report file: one JSON line per rejected row, in row order. Lines are written only once the
 * checkpoint passes their rows, so truncating to the size recorded in the checkpoint drops
 * exactly the lines a resumed run will write again.
 */
export class RejectionReport {
  private descriptor: number | undefined;
  private size: number;

  /** `keepBytes`: the report size recorded by the checkpoint being resumed, 0 for a fresh import. */
  constructor(
    readonly path: string,
    keepBytes: number,
  ) {
    this.size = keep(path, keepBytes);
  }

  get bytes(): number {
    return this.size;
  }

  append(rejections: readonly RowRejection[]): void {
    if (!rejections.length) return;
    const lines = rejections
      .map(({ row, reason, message, messageId }) =>
        JSON.stringify({ row, reason, message, messageId }),
      )
      .join('\n');
    const buffer = Buffer.from(`${lines}\n`);
    // Opened on the first rejection: an import without any leaves no empty report behind.
    this.descriptor ??= openSync(this.path, 'a');
    for (let written = 0; written < buffer.length;) {
      written += writeSync(this.descriptor, buffer, written);
    }
    this.size += buffer.length;
  }

  close(): void {
    if (this.descriptor !== undefined) closeSync(this.descriptor);
    this.descriptor = undefined;
  }
}

/** Cuts the report back to `keepBytes` (removing it when 0); returns its size afterwards. */
function keep(path: string, keepBytes: number): number {
  if (keepBytes === 0) {
    rmSync(path, { force: true });
    return 0;
  }
  let size: number;
  try {
    size = statSync(path).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  if (size <= keepBytes) return size;
  truncateSync(path, keepBytes);
  return keepBytes;
}
