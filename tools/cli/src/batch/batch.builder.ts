import { BODY_OVERHEAD_BYTES } from './batch-body';
import type { ImportBatch, RowRejection } from './import-batch';

export interface BatchLimits {
  /** Events per request (`--batch-size`). */
  maxEvents: number;
  /** Bytes of a whole request body (`--max-request-bytes`). */
  maxRequestBytes: number;
}

/**
 * Groups consecutive rows into batches whose request stays within both limits. Rows rejected
 * locally join the batch being filled, so every row read belongs to exactly one batch.
 */
export class BatchBuilder {
  private current: ImportBatch | undefined;
  private bytes = BODY_OVERHEAD_BYTES;

  constructor(private readonly limits: BatchLimits) {}

  /** Adds a row that became an event; returns the batches now ready to send. */
  addEvent(row: number, messageId: string, json: string): ImportBatch[] {
    const eventBytes = Buffer.byteLength(json);
    if (BODY_OVERHEAD_BYTES + eventBytes > this.limits.maxRequestBytes) {
      return this.addRejection({
        row,
        reason: 'payload_too_large',
        message: `the event is ${eventBytes} bytes; a request may carry at most ${this.limits.maxRequestBytes} (--max-request-bytes)`,
        messageId,
      });
    }
    const ready: ImportBatch[] = [];
    if (this.current?.events.length && this.bytes + 1 + eventBytes > this.limits.maxRequestBytes) {
      ready.push(this.take());
    }
    const batch = this.open(row);
    // Events after the first are preceded by a comma.
    this.bytes += (batch.events.length ? 1 : 0) + eventBytes;
    batch.events.push({ row, messageId, json });
    if (batch.events.length >= this.limits.maxEvents) ready.push(this.take());
    return ready;
  }

  /** Adds a row that could not become an event; returns the batches now ready. */
  addRejection(rejection: RowRejection): ImportBatch[] {
    const batch = this.open(rejection.row);
    batch.rejections.push(rejection);
    // Bounds memory and lets the checkpoint advance through a long run of bad rows.
    return batch.rejections.length >= this.limits.maxEvents ? [this.take()] : [];
  }

  /** The batch being filled, at the end of the file. */
  flush(): ImportBatch[] {
    return this.current ? [this.take()] : [];
  }

  private open(row: number): ImportBatch {
    this.current ??= { firstRow: row, lastRow: row, events: [], rejections: [] };
    this.current.lastRow = row;
    return this.current;
  }

  private take(): ImportBatch {
    const batch = this.current as ImportBatch;
    this.current = undefined;
    this.bytes = BODY_OVERHEAD_BYTES;
    return batch;
  }
}
