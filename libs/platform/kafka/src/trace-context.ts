import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
} from '@opentelemetry/api';
import type { IHeaders } from 'kafkajs';
import type { ConsumedMessage } from './consumed-message';

const tracer = trace.getTracer('@tessera/platform-kafka');

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

/**
 * Each consumed event's trace by its messageId: what a batch handler hands on, so the records it
 * publishes for an event join that event's trace.
 */
export function tracesByMessageId(
  messages: readonly ConsumedMessage<{ messageId: string }>[],
): Map<string, Context> {
  return new Map(messages.map((message) => [message.value.messageId, message.traceContext]));
}

/** The W3C `traceparent` of a context, to keep with work done later (a stored webhook message). */
export function traceparentOf(from: Context): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(from, carrier);
  return carrier.traceparent;
}

/** The context a stored `traceparent` names, to continue its trace later or in another process. */
export function contextFromTraceparent(traceparent: string | null | undefined): Context {
  if (!traceparent) return context.active();
  return propagation.extract(context.active(), { traceparent });
}

export interface ConsumerSpan {
  /** The producer's context with this span as the active one: records published from it follow. */
  context: Context;
  /** Ends the span; a reason (a dead-letter reason, never record contents) marks it failed. */
  end(failure?: string): void;
}

/**
 * A consumer span for one record, child of the producer's context: with the Kafka headers this is
 * how one event keeps one trace from the HTTP request to the webhook call, through every service.
 */
export function startConsumerSpan(
  topic: string,
  partition: number,
  offset: string,
  parent: Context,
): ConsumerSpan {
  const span: Span = tracer.startSpan(
    `${topic} process`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'kafka',
        'messaging.operation.type': 'process',
        'messaging.destination.name': topic,
        'messaging.destination.partition.id': String(partition),
        'messaging.kafka.offset': Number(offset),
      },
    },
    parent,
  );
  return {
    context: trace.setSpan(parent, span),
    end: (failure) => {
      if (failure) span.setStatus({ code: SpanStatusCode.ERROR, message: failure });
      span.end();
    },
  };
}
