export interface RowRange {
  firstRow: number;
  lastRow: number;
}

/**
 * The checkpoint's row: the highest N such that every row up to N is acknowledged. Ranges are
 * registered in file order and may be acknowledged in any order (requests run concurrently);
 * the row only advances over an unbroken prefix of acknowledged ranges.
 */
export class AcknowledgementTracker<T extends RowRange> {
  private readonly pending: T[] = [];
  private readonly acknowledged = new Set<T>();

  constructor(private watermark: number) {}

  get row(): number {
    return this.watermark;
  }

  /** Ranges registered and not yet passed by the row (in flight, or waiting on an earlier one). */
  get pendingCount(): number {
    return this.pending.length;
  }

  register(range: T): void {
    const previous = this.pending.at(-1)?.lastRow ?? this.watermark;
    if (range.firstRow <= previous) {
      throw new Error(`rows ${range.firstRow}-${range.lastRow} registered out of order`);
    }
    this.pending.push(range);
  }

  /** Marks a range done; returns the ranges the row has now passed, in file order. */
  acknowledge(range: T): T[] {
    if (!this.pending.includes(range)) {
      throw new Error(`rows ${range.firstRow}-${range.lastRow} were never registered`);
    }
    this.acknowledged.add(range);
    const passed: T[] = [];
    while (this.pending.length && this.acknowledged.has(this.pending[0])) {
      const head = this.pending.shift() as T;
      this.acknowledged.delete(head);
      this.watermark = head.lastRow;
      passed.push(head);
    }
    return passed;
  }
}
