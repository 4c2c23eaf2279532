import type {
  BatchHandler,
  ConsumedMessage,
  HandlerOutcome,
  InboundMessage,
  RejectedMessage,
} from './consumed-message';
import { extractTraceContext, startConsumerSpan, type ConsumerSpan } from './trace-context';
import { isTransientError } from './transient-error';

/**
 * Why a message was parked; the `reason` field of the dead-letter record: `decode-error`,
 * `handler-failed`, or a code a handler gives when it rejects a message.
 */
export type DeadLetterReason = string;

export interface ParkedMessage {
  message: InboundMessage;
  reason: DeadLetterReason;
  error: Error;
  attempts: number;
}

export interface BatchProcessorOptions<T> {
  handler: BatchHandler<T>;
  /** Turns raw bytes into the handler's value; a throw parks the message as `decode-error`. */
  decode: (message: InboundMessage) => T;
  /** Must resolve only once the parked messages are durable (acked by Kafka). */
  park: (parked: ParkedMessage[]) => Promise<void>;
  maxAttempts: number;
  retryBackoffMs: number;
  sleep?: (ms: number) => Promise<void>;
  onRetry?: (message: InboundMessage, attempt: number, error: Error) => void;
}

/** The infrastructure failed; nothing of the batch may be committed, it must be tried again later. */
export class BatchInterruptedError extends Error {
  constructor(override readonly cause: Error) {
    super(`batch interrupted by an unavailable dependency: ${cause.message}`);
    this.name = 'BatchInterruptedError';
  }
}

/**
 * Runs one batch through a handler with the project's delivery rules: undecodable records are
 * parked at once; a failing batch is split so a poison message is retried a bounded number of
 * times on its own and then parked, and the rest of the batch goes on. When this resolves, every
 * message of the batch is either handled or parked, so the caller may commit past it.
 */
export class BatchProcessor<T> {
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: BatchProcessorOptions<T>) {
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async process(batch: InboundMessage[]): Promise<void> {
    const parked: ParkedMessage[] = [];
    const decoded: ConsumedMessage<T>[] = [];
    // One span per record, child of its producer's: what the handler publishes for it follows.
    const spans = new Map<InboundMessage, ConsumerSpan>();
    for (const message of batch) {
      const { topic, partition, offset, headers } = message;
      const span = startConsumerSpan(topic, partition, offset, extractTraceContext(headers));
      spans.set(message, span);
      try {
        const value = this.options.decode(message);
        decoded.push({ raw: message, value, traceContext: span.context });
      } catch (error) {
        parked.push({ message, reason: 'decode-error', error: asError(error), attempts: 1 });
      }
    }

    try {
      parked.push(...(await this.handleAll(decoded)));
      if (parked.length > 0) await this.options.park(parked);
    } catch (error) {
      for (const span of spans.values()) span.end('interrupted');
      throw error;
    }
    const reasons = new Map(parked.map((entry) => [entry.message, entry.reason]));
    for (const [message, span] of spans) span.end(reasons.get(message));
  }

  private async handleAll(messages: ConsumedMessage<T>[]): Promise<ParkedMessage[]> {
    if (messages.length === 0) return [];
    try {
      return rejectionsOf(await this.options.handler(messages));
    } catch (error) {
      this.interruptIfTransient(error);
      if (messages.length === 1) return this.retryAlone(messages[0], 1, asError(error));
      const parked: ParkedMessage[] = [];
      for (const message of messages) parked.push(...(await this.retryAlone(message, 0)));
      return parked;
    }
  }

  private async retryAlone(
    message: ConsumedMessage<T>,
    failedAttempts: number,
    lastError?: Error,
  ): Promise<ParkedMessage[]> {
    let attempts = failedAttempts;
    let error = lastError;
    while (attempts < this.options.maxAttempts) {
      if (attempts > 0) {
        this.options.onRetry?.(message.raw, attempts, error ?? new Error('unknown'));
        await this.sleep(this.options.retryBackoffMs * 2 ** (attempts - 1));
      }
      attempts += 1;
      try {
        return rejectionsOf(await this.options.handler([message]));
      } catch (caught) {
        this.interruptIfTransient(caught);
        error = asError(caught);
      }
    }
    return [
      {
        message: message.raw,
        reason: 'handler-failed',
        error: error ?? new Error('unknown'),
        attempts,
      },
    ];
  }

  private interruptIfTransient(error: unknown): void {
    if (isTransientError(error)) throw new BatchInterruptedError(asError(error));
  }
}

function rejectionsOf(outcome: HandlerOutcome | void): ParkedMessage[] {
  return (outcome?.rejected ?? []).map((rejected: RejectedMessage) => ({
    message: rejected.message.raw,
    reason: rejected.reason,
    error: rejected.error,
    attempts: 1,
  }));
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
