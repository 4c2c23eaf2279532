import type { Context } from '@opentelemetry/api';

/** A record as read from Kafka, before decoding. Headers are normalised to single Buffers. */
export interface InboundMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer>;
  timestamp: string;
}

/** A record whose value was decoded with the contracts codec (or left raw for `decode: false`). */
export interface ConsumedMessage<T = unknown> {
  raw: InboundMessage;
  value: T;
  /** The producer's W3C trace context from the headers; run per-message work inside it. */
  traceContext: Context;
}

/** A message the handler refuses on its own terms (bad input): parked without retries. */
export interface RejectedMessage {
  message: ConsumedMessage;
  reason: string;
  error: Error;
}

export interface HandlerOutcome {
  rejected?: RejectedMessage[];
}

export type BatchHandler<T = unknown> = (
  messages: ConsumedMessage<T>[],
) => Promise<HandlerOutcome | void>;
