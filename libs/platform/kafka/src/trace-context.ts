import { context, propagation, type Context } from '@opentelemetry/api';
import type { IHeaders } from 'kafkajs';

/** Writes the active W3C trace context (traceparent, tracestate, baggage) into Kafka headers. */
export function injectTraceContext(headers: IHeaders, from: Context = context.active()): IHeaders {
  const carrier: Record<string, string> = {};
  propagation.inject(from, carrier);
  return { ...headers, ...carrier };
}

/** Reads the W3C trace context a producer left in Kafka headers. */
export function extractTraceContext(headers: Record<string, Buffer>): Context {
  const carrier: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) carrier[key] = value.toString('utf8');
  return propagation.extract(context.active(), carrier);
}
