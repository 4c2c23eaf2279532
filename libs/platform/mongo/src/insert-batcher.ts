const DUPLICATE_KEY = 11000;

/** What the batcher writes to: a mongodb (or mongoose `Model.collection`) collection. */
export interface InsertTarget<T> {
  insertMany(documents: T[], options: { ordered: false }): Promise<unknown>;
}

export interface InsertBatcherOptions {
  /** Documents per `insertMany` at most; one caller's documents are never split. Default 5,000. */
  maxDocuments?: number;
  /** `insertMany` calls in flight at once. Default 2. */
  maxInFlight?: number;
}

interface Pending<T> {
  documents: T[];
  resolve: (duplicates: number[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for inserts: callers that insert while earlier inserts are in flight are written
 * together in one unordered `insertMany` as soon as a slot frees up, so a busy replica makes few,
 * large writes (FerretDB's SQLite backend costs less per document in large batches, and one
 * writer at a time avoids its lock waits) while a quiet one writes at once. Each caller learns
 * which of its documents hit an existing `_id`; any other failure fails every caller of that
 * write (none of them may assume its documents were written).
 */
export class InsertBatcher<T> {
  private readonly queue: Pending<T>[] = [];
  private inFlight = 0;
  private readonly maxDocuments: number;
  private readonly maxInFlight: number;

  constructor(
    private readonly target: InsertTarget<T>,
    options: InsertBatcherOptions = {},
  ) {
    this.maxDocuments = options.maxDocuments ?? 5_000;
    this.maxInFlight = options.maxInFlight ?? 2;
  }

  /** Inserts the documents; resolves with the indexes of those whose `_id` already existed. */
  insert(documents: T[]): Promise<number[]> {
    if (documents.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.queue.push({ documents, resolve, reject });
      this.drain();
    });
  }

  private drain(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.take();
      this.inFlight++;
      void this.write(batch).finally(() => {
        this.inFlight--;
        this.drain();
      });
    }
  }

  /** The next callers, in arrival order, up to maxDocuments (at least one caller). */
  private take(): Pending<T>[] {
    const batch = [this.queue.shift() as Pending<T>];
    let size = batch[0].documents.length;
    while (this.queue.length > 0 && size + this.queue[0].documents.length <= this.maxDocuments) {
      const next = this.queue.shift() as Pending<T>;
      size += next.documents.length;
      batch.push(next);
    }
    return batch;
  }

  private async write(batch: Pending<T>[]): Promise<void> {
    const documents = batch.length === 1 ? batch[0].documents : batch.flatMap((p) => p.documents);
    let duplicates: number[];
    try {
      duplicates = await insertReportingDuplicates(this.target, documents);
    } catch (error) {
      for (const pending of batch) pending.reject(error);
      return;
    }
    let offset = 0;
    let next = 0;
    duplicates.sort((a, b) => a - b);
    for (const pending of batch) {
      const end = offset + pending.documents.length;
      const own: number[] = [];
      while (next < duplicates.length && duplicates[next] < end) {
        own.push(duplicates[next] - offset);
        next++;
      }
      pending.resolve(own);
      offset = end;
    }
  }
}

/**
 * One unordered `insertMany`; resolves with the indexes of the documents refused for a duplicate
 * `_id` (every other document was inserted) and rejects on any other failure.
 *
 * Only a failure that lists write errors, all of them duplicate keys, means "the others were
 * inserted". The driver wraps every other failure of the write (the connection dropped, no server
 * to select, a command error) in a `MongoBulkWriteError` too, but with an empty `writeErrors`:
 * nothing is known to be written then, so it is rethrown.
 */
export async function insertReportingDuplicates<T>(
  target: InsertTarget<T>,
  documents: T[],
): Promise<number[]> {
  try {
    await target.insertMany(documents, { ordered: false });
    return [];
  } catch (error) {
    // Checked by shape: the driver mongoose loads may be another copy than ours.
    const { writeErrors: raw, writeConcernError } = error as {
      writeErrors?: unknown;
      writeConcernError?: unknown;
    };
    const writeErrors = (raw == null ? [] : Array.isArray(raw) ? raw : [raw]) as {
      code?: number;
      index: number;
    }[];
    if (
      writeConcernError ||
      writeErrors.length === 0 ||
      writeErrors.some((writeError) => writeError?.code !== DUPLICATE_KEY)
    )
      throw error;
    return writeErrors.map((writeError) => writeError.index);
  }
}
