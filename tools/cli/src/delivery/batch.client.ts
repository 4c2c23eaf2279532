import { renderBatchBody } from '../batch/batch-body';
import type { OutgoingEvent } from '../batch/import-batch';
import type { BatchResult, ServerRejection } from './batch-result';
import { DeliveryInterruptedError } from './delivery-interrupted.error';
import { ImportFailedError } from './import-failed.error';

export interface RetryPolicy {
  /** Tries of one request, the first included, before the import stops. */
  maxAttempts: number;
  /** The first back-off after a 5xx or network error; it doubles each time up to maxBackoffMs. */
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** A longer Retry-After is cut to this, so the import stays bounded. */
  maxRetryAfterMs: number;
  requestTimeoutMs: number;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  random: () => number;
}

export interface BatchClientOptions {
  url: string;
  writeKey: string;
  retry: RetryPolicy;
  /** Told before each retry, so the user sees why the import slows down. */
  onRetry?: (problem: string, delayMs: number, nextAttempt: number) => void;
}

type AttemptOutcome =
  { done: true; result: BatchResult } | { done: false; problem: string; delayMs?: number };

/** Sends one batch to `POST /v1/batch`, retrying what the contract says is safe to retry. */
export class BatchClient {
  private readonly endpoint: URL;
  private readonly authorization: string;

  constructor(private readonly options: BatchClientOptions) {
    const base = options.url.endsWith('/') ? options.url : `${options.url}/`;
    this.endpoint = new URL('v1/batch', base);
    this.authorization = `Basic ${Buffer.from(`${options.writeKey}:`).toString('base64')}`;
  }

  /**
   * Resolves once the server has answered for every event. Throws ImportFailedError when the
   * import cannot go on, and DeliveryInterruptedError when `stop` aborts between tries.
   */
  async send(events: readonly OutgoingEvent[], stop: AbortSignal): Promise<BatchResult> {
    const { retry } = this.options;
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await this.attempt(events);
      if (outcome.done) return outcome.result;
      if (attempt >= retry.maxAttempts) {
        throw new ImportFailedError(
          `POST ${this.endpoint.href} failed ${attempt} times, the last with ${outcome.problem}`,
        );
      }
      if (stop.aborted) throw new DeliveryInterruptedError();
      const delayMs = outcome.delayMs ?? this.backoff(attempt);
      this.options.onRetry?.(outcome.problem, delayMs, attempt + 1);
      await retry.sleep(delayMs, stop);
      if (stop.aborted) throw new DeliveryInterruptedError();
    }
  }

  private async attempt(events: readonly OutgoingEvent[]): Promise<AttemptOutcome> {
    let status: number;
    let text: string;
    let retryAfter: string | null;
    try {
      const response = await fetch(this.endpoint, {
        method: 'POST',
        headers: { authorization: this.authorization, 'content-type': 'application/json' },
        body: renderBatchBody(events, new Date()),
        signal: AbortSignal.timeout(this.options.retry.requestTimeoutMs),
      });
      status = response.status;
      retryAfter = response.headers.get('retry-after');
      text = await response.text();
    } catch (error) {
      // Nothing of a request without a complete answer counts as accepted: it is sent again.
      return { done: false, problem: this.describeNetworkError(error) };
    }
    if (status >= 200 && status < 300) {
      return { done: true, result: { duplicates: duplicatesIn(parseJson(text)), rejected: [] } };
    }
    if (status === 400) return { done: true, result: this.partialRejection(text, events) };
    if (status === 401 || status === 403) {
      throw new ImportFailedError(
        `the server refused the write key (${answer(status, text)}); check --source`,
      );
    }
    if (status === 413) throw this.tooLarge(events, answer(status, text));
    if (status === 429) {
      return { done: false, problem: answer(status, text), delayMs: this.retryAfterMs(retryAfter) };
    }
    if (status === 408 || status >= 500) return { done: false, problem: answer(status, text) };
    throw new ImportFailedError(`POST ${this.endpoint.href} answered ${answer(status, text)}`);
  }

  /** A 400 lists the rejected events and accepts the rest; one without that list refused them all. */
  private partialRejection(text: string, events: readonly OutgoingEvent[]): BatchResult {
    const body = parseJson(text);
    const rejected = body.rejected;
    if (Array.isArray(rejected) && rejected.length > 0) {
      return {
        duplicates: duplicatesIn(body),
        rejected: rejected.map((entry) => toServerRejection(entry, events.length)),
      };
    }
    if (body.error === 'payload_too_large') throw this.tooLarge(events, answer(400, text));
    throw new ImportFailedError(`the server refused a whole request (${answer(400, text)})`);
  }

  private tooLarge(events: readonly OutgoingEvent[], detail: string): ImportFailedError {
    const bytes = Buffer.byteLength(renderBatchBody(events, new Date()));
    return new ImportFailedError(
      `the server refused a request of ${bytes} bytes as too large (${detail}); ` +
        'lower --max-request-bytes to its limit and run the command again',
    );
  }

  private backoff(attempt: number): number {
    const { initialBackoffMs, maxBackoffMs, random } = this.options.retry;
    const ceiling = Math.min(maxBackoffMs, initialBackoffMs * 2 ** (attempt - 1));
    // Jitter keeps concurrent requests from retrying in lockstep.
    return Math.round(ceiling / 2 + (random() * ceiling) / 2);
  }

  private retryAfterMs(header: string | null): number | undefined {
    if (header === null) return undefined;
    const trimmed = header.trim();
    const milliseconds = /^\d+$/.test(trimmed)
      ? Number(trimmed) * 1000
      : Date.parse(trimmed) - Date.now();
    if (Number.isNaN(milliseconds)) return undefined;
    return Math.min(Math.max(milliseconds, 0), this.options.retry.maxRetryAfterMs);
  }

  /** Duck-typed: fetch's errors may come from another realm (under jest), failing instanceof. */
  private describeNetworkError(error: unknown): string {
    const { name, message, cause } = (error ?? {}) as {
      name?: string;
      message?: string;
      cause?: unknown;
    };
    if (name === 'TimeoutError')
      return `no answer within ${this.options.retry.requestTimeoutMs} ms`;
    const reason = (cause ?? {}) as { code?: unknown; message?: unknown };
    if (typeof reason.code === 'string') return reason.code;
    if (typeof reason.message === 'string') return reason.message;
    return message ?? String(error);
  }
}

function parseJson(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function duplicatesIn(body: Record<string, unknown>): number {
  const { duplicates } = body;
  return typeof duplicates === 'number' && Number.isInteger(duplicates) && duplicates > 0
    ? duplicates
    : 0;
}

function toServerRejection(entry: unknown, eventCount: number): ServerRejection {
  const { index, reason, message } = (entry ?? {}) as Record<string, unknown>;
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= eventCount) {
    throw new ImportFailedError(
      `the server rejected an event at index ${String(index)} of a request of ${eventCount} events`,
    );
  }
  return {
    index,
    reason: typeof reason === 'string' ? reason : 'rejected',
    message: typeof message === 'string' ? message : '',
  };
}

/** `<status>: <error>: <message>` from a JSON error body, or with the body's first characters. */
function answer(status: number, text: string): string {
  const body = parseJson(text);
  const parts = [body.error, body.message].filter((part) => typeof part === 'string');
  const detail = parts.length ? parts.join(': ') : text.trim().slice(0, 200);
  return detail ? `${status}: ${detail}` : String(status);
}
