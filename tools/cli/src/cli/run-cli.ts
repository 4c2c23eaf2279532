import { CheckpointError } from '../checkpoint/checkpoint.error';
import { abortableSleep } from '../delivery/abortable-sleep';
import { BatchClient, type RetryPolicy } from '../delivery/batch.client';
import { ImportFailedError } from '../delivery/import-failed.error';
import { BulkImport, type ImportResult } from '../import/bulk-import.use-case';
import { MappingError } from '../mapping/mapping.error';
import { ProgressReporter, type ProgressStream } from '../progress/progress.reporter';
import { CsvSyntaxError } from '../source/csv-syntax.error';
import { parseCommandLine, USAGE, type Command } from './command-line';
import { renderSummary } from './import-summary';
import { UsageError } from './usage.error';

export interface CliEnvironment {
  stdout: { write(text: string): unknown };
  stderr: ProgressStream;
  env: Readonly<Record<string, string | undefined>>;
  /** Aborted on Ctrl-C: the import stops sending and writes its checkpoint. */
  interrupt: AbortSignal;
  /** Tests shorten the waits. */
  retry?: Partial<RetryPolicy>;
}

export const EXIT_CODES = {
  completed: 0,
  failed: 1,
  /** Every row was handled but some were rejected; they are in the report. */
  completedWithRejections: 2,
  usage: 64,
  interrupted: 130,
} as const;

const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 8,
  initialBackoffMs: 500,
  maxBackoffMs: 30_000,
  maxRetryAfterMs: 300_000,
  requestTimeoutMs: 30_000,
  sleep: abortableSleep,
  random: Math.random,
};

/** Errors whose message says all the user needs; anything else is a bug and shows its stack. */
const EXPECTED_ERRORS = [ImportFailedError, CheckpointError, MappingError, CsvSyntaxError];

/** `tessera <argv>`; resolves to the process exit code. */
export async function runCli(
  argv: readonly string[],
  environment: CliEnvironment,
): Promise<number> {
  const { stdout, stderr, interrupt } = environment;
  let command: Command;
  try {
    command = parseCommandLine(argv, environment.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    stderr.write(`tessera: ${error.message}\n\n${USAGE}`);
    return EXIT_CODES.usage;
  }
  if (command.kind === 'help') {
    stdout.write(USAGE);
    return EXIT_CODES.completed;
  }
  const progress = new ProgressReporter(stderr);
  const retry = { ...DEFAULT_RETRY, ...environment.retry };
  const client = new BatchClient({
    url: command.url,
    writeKey: command.writeKey,
    retry,
    onRetry: (problem, delayMs, attempt) =>
      progress.notice(
        `${problem}; retrying in ${(delayMs / 1000).toFixed(1)} s (try ${attempt} of ${retry.maxAttempts})`,
      ),
  });
  const onInterrupt = (): void =>
    progress.notice(
      'Stopping: waiting for the requests in flight, then writing the checkpoint (Ctrl-C again quits at once)',
    );
  interrupt.addEventListener('abort', onInterrupt, { once: true });
  let result: ImportResult;
  try {
    result = await new BulkImport(command.settings, client, progress).run(interrupt);
  } catch (error) {
    stderr.write(`tessera: ${describe(error)}\n`);
    return EXIT_CODES.failed;
  } finally {
    interrupt.removeEventListener('abort', onInterrupt);
  }
  // A failure before the first row (a --map the header lacks) has nothing to sum up.
  if (result.status !== 'failed' || result.totals.rowsRead > 0) {
    stdout.write(renderSummary(command.settings, result));
  }
  return exitCode(result, stderr);
}

function exitCode(result: ImportResult, stderr: ProgressStream): number {
  const resume = result.checkpointRow
    ? `\nRows up to ${result.checkpointRow} are acknowledged; the same command resumes after them.`
    : '';
  switch (result.status) {
    case 'failed':
      stderr.write(`tessera: import failed: ${describe(result.error)}${resume}\n`);
      return EXIT_CODES.failed;
    case 'interrupted':
      stderr.write(`tessera: import interrupted.${resume}\n`);
      return EXIT_CODES.interrupted;
    case 'completed':
      return result.totals.rejected ? EXIT_CODES.completedWithRejections : EXIT_CODES.completed;
  }
}

function describe(error: unknown): string {
  if (EXPECTED_ERRORS.some((type) => error instanceof type)) return (error as Error).message;
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
