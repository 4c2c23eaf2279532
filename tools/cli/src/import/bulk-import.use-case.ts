import { setMaxListeners } from 'node:events';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { BatchBuilder } from '../batch/batch.builder';
import type { ImportBatch, OutgoingEvent } from '../batch/import-batch';
import { AcknowledgementTracker } from '../checkpoint/acknowledgement.tracker';
import { checkpointMismatch, type FileIdentity } from '../checkpoint/checkpoint';
import { CheckpointStore } from '../checkpoint/checkpoint.store';
import type { BatchResult } from '../delivery/batch-result';
import { DeliveryInterruptedError } from '../delivery/delivery-interrupted.error';
import { ImportFailedError } from '../delivery/import-failed.error';
import type { ColumnRule } from '../mapping/column-rule';
import { CsvRowMapper } from '../mapping/csv-row.mapper';
import { deriveMessageId } from '../mapping/message-id';
import { mapNdjsonLine } from '../mapping/ndjson-line.mapper';
import { RowRejectedError } from '../mapping/row-rejected.error';
import type { EventDefaults, SegmentEvent } from '../mapping/segment-event';
import type { ProgressListener } from '../progress/progress.reporter';
import { RejectionReport } from '../report/rejection.report';
import { readCsvRows, readNdjsonRows } from '../source/file-rows.reader';
import type { FileFormat, SourceRow } from '../source/source-row';
import { countRejection, emptyTotals, type ImportTotals } from './import-totals';

export interface ImportSettings {
  file: string;
  format: FileFormat;
  rules: readonly ColumnRule[];
  defaults: EventDefaults;
  batchSize: number;
  concurrency: number;
  maxRequestBytes: number;
  reportPath: string;
  checkpointPath: string;
  /** Ignore an existing checkpoint and start again from the first row. */
  restart: boolean;
}

export interface BatchSender {
  send(events: readonly OutgoingEvent[], stop: AbortSignal): Promise<BatchResult>;
}

export type ImportStatus = 'completed' | 'interrupted' | 'failed';

export interface ImportResult {
  status: ImportStatus;
  totals: ImportTotals;
  /** The checkpoint row this run started after (0 for a fresh import). */
  resumedAfterRow: number;
  /** Every row up to this one is acknowledged. */
  checkpointRow: number;
  /** Whether the report file holds any line (this run's or an earlier run's). */
  reportWritten: boolean;
  error?: Error;
}

/** How often, at most, the checkpoint file is rewritten while rows are acknowledged. */
const CHECKPOINT_INTERVAL_MS = 1000;

type RowMapper = (row: SourceRow) => SegmentEvent;

/**
 * Imports one file: reads rows, maps them to events, sends batches with bounded concurrency, and
 * keeps the report and the checkpoint in step with what the server acknowledged.
 */
export class BulkImport {
  constructor(
    private readonly settings: ImportSettings,
    private readonly sender: BatchSender,
    private readonly progress: ProgressListener,
  ) {}

  /** `interrupt` stops reading and sending; requests in flight are waited for. */
  async run(interrupt: AbortSignal): Promise<ImportResult> {
    const { settings } = this;
    const identity = await identify(settings.file);
    const store = new CheckpointStore(settings.checkpointPath);
    // Gone with the report it described, so a failed restart cannot be resumed from it.
    if (settings.restart) store.remove();
    const previous = settings.restart ? undefined : store.load();
    const mismatch = previous && checkpointMismatch(previous, identity);
    if (mismatch) {
      throw new ImportFailedError(
        `cannot resume from ${settings.checkpointPath}: ${mismatch}. Pass --restart to import the ` +
          'whole file again (rows sent in the last 24 hours are deduplicated by messageId)',
      );
    }
    const run = new ImportRun(
      settings,
      identity,
      store,
      new RejectionReport(settings.reportPath, previous?.reportBytes ?? 0),
      previous?.row ?? 0,
      this.sender,
      this.progress,
    );
    return run.execute(interrupt);
  }
}

/** The state of one run of an import. */
class ImportRun {
  private readonly tracker: AcknowledgementTracker<ImportBatch>;
  private readonly builder: BatchBuilder;
  private readonly totals: ImportTotals;
  private readonly stop = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();
  private failure: Error | undefined;
  private saved: { row: number; reportBytes: number };
  private savedAt = 0;

  constructor(
    private readonly settings: ImportSettings,
    private readonly identity: FileIdentity,
    private readonly store: CheckpointStore,
    private readonly report: RejectionReport,
    private readonly resumeAfter: number,
    private readonly sender: BatchSender,
    private readonly progress: ProgressListener,
  ) {
    this.tracker = new AcknowledgementTracker(resumeAfter);
    this.builder = new BatchBuilder({
      maxEvents: settings.batchSize,
      maxRequestBytes: settings.maxRequestBytes,
    });
    this.totals = emptyTotals(identity.size);
    // Every request waiting to retry listens for the stop; they are bounded by the concurrency.
    setMaxListeners(settings.concurrency + 1, this.stop.signal);
    this.saved = { row: resumeAfter, reportBytes: report.bytes };
  }

  async execute(interrupt: AbortSignal): Promise<ImportResult> {
    const onInterrupt = (): void => this.stop.abort();
    if (interrupt.aborted) onInterrupt();
    interrupt.addEventListener('abort', onInterrupt, { once: true });
    let readToEnd = false;
    try {
      readToEnd = await this.readAndSend();
    } catch (error) {
      this.fail(error);
    } finally {
      interrupt.removeEventListener('abort', onInterrupt);
    }
    await Promise.all(this.inFlight);
    this.saveCheckpoint();
    this.report.close();
    this.progress.finish(this.totals);
    return {
      status: this.status(readToEnd),
      totals: this.totals,
      resumedAfterRow: this.resumeAfter,
      checkpointRow: this.tracker.row,
      reportWritten: this.report.bytes > 0,
      error: this.failure,
    };
  }

  /** Returns whether every row was read and handed to a batch. */
  private async readAndSend(): Promise<boolean> {
    const { file, format } = this.settings;
    const rows = format === 'csv' ? readCsvRows(file) : readNdjsonRows(file);
    let mapper: RowMapper = (row) => mapNdjsonLine(row.content as string, this.settings.defaults);
    for await (const row of rows) {
      if (this.stop.signal.aborted) return false;
      if (format === 'csv' && row.row === 0) {
        mapper = this.csvMapper(row.content as string[]);
        continue;
      }
      this.totals.rowsRead += 1;
      this.totals.bytesRead = row.bytesRead;
      if (row.row <= this.resumeAfter) {
        this.totals.rowsSkipped += 1;
      } else {
        for (const batch of this.addRow(row, mapper)) await this.dispatch(batch);
      }
      this.progress.update(this.totals);
    }
    if (this.stop.signal.aborted) return false;
    for (const batch of this.builder.flush()) await this.dispatch(batch);
    return true;
  }

  private csvMapper(header: string[]): RowMapper {
    const mapper = new CsvRowMapper(header, this.settings.rules, this.settings.defaults);
    return (row) => mapper.map(row.content as string[]);
  }

  private addRow(row: SourceRow, mapper: RowMapper): ImportBatch[] {
    let event: SegmentEvent;
    try {
      event = mapper(row);
    } catch (error) {
      if (!(error instanceof RowRejectedError)) throw error;
      const { reason, message } = error;
      return this.builder.addRejection({ row: row.row, reason, message, messageId: null });
    }
    event.messageId ??= deriveMessageId(this.identity.file, row.row, row.content);
    return this.builder.addEvent(row.row, String(event.messageId), JSON.stringify(event));
  }

  /** Sends a batch once fewer than `concurrency` requests are in flight. */
  private async dispatch(batch: ImportBatch): Promise<void> {
    this.tracker.register(batch);
    for (const rejection of batch.rejections) countRejection(this.totals, rejection.reason);
    if (!batch.events.length) {
      this.acknowledge(batch);
      return;
    }
    while (this.inFlight.size >= this.settings.concurrency) await Promise.race(this.inFlight);
    if (this.stop.signal.aborted) return;
    const delivery = this.deliver(batch);
    this.inFlight.add(delivery);
    void delivery.finally(() => this.inFlight.delete(delivery));
  }

  /** Never rejects: a failure is recorded and stops the run. */
  private async deliver(batch: ImportBatch): Promise<void> {
    try {
      const result = await this.sender.send(batch.events, this.stop.signal);
      this.applyResult(batch, result);
      this.acknowledge(batch);
    } catch (error) {
      if (!(error instanceof DeliveryInterruptedError)) this.fail(error);
    }
  }

  private applyResult(batch: ImportBatch, result: BatchResult): void {
    for (const { index, reason, message } of result.rejected) {
      const { row, messageId } = batch.events[index];
      batch.rejections.push({ row, reason, message, messageId });
      countRejection(this.totals, reason);
    }
    // Counted from the batch, so it holds whether or not the server's `accepted` includes duplicates.
    const accepted = batch.events.length - result.rejected.length - result.duplicates;
    this.totals.accepted += Math.max(0, accepted);
    this.totals.duplicates += result.duplicates;
  }

  private acknowledge(batch: ImportBatch): void {
    for (const passed of this.tracker.acknowledge(batch)) {
      this.report.append(passed.rejections.sort((a, b) => a.row - b.row));
    }
    if (Date.now() - this.savedAt >= CHECKPOINT_INTERVAL_MS) this.saveCheckpoint();
  }

  /** Writes the checkpoint when it moved; the report lines it counts are written already. */
  private saveCheckpoint(): void {
    const row = this.tracker.row;
    const reportBytes = this.report.bytes;
    if (row === this.saved.row && reportBytes === this.saved.reportBytes) return;
    this.store.save({
      version: 1,
      ...this.identity,
      row,
      reportBytes,
      updatedAt: new Date().toISOString(),
    });
    this.saved = { row, reportBytes };
    this.savedAt = Date.now();
  }

  private fail(error: unknown): void {
    this.failure ??= error instanceof Error ? error : new Error(String(error));
    this.stop.abort();
  }

  private status(readToEnd: boolean): ImportStatus {
    if (this.failure) return 'failed';
    return readToEnd && this.tracker.pendingCount === 0 ? 'completed' : 'interrupted';
  }
}

async function identify(file: string): Promise<FileIdentity> {
  try {
    const stats = await stat(file);
    return { file: path.basename(file), size: stats.size, mtimeMs: stats.mtimeMs };
  } catch (error) {
    throw new ImportFailedError(`cannot read ${file}: ${(error as Error).message}`);
  }
}
