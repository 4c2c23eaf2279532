import { propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { BatchProcessor } from './batch-processor';
import type { ConsumedMessage, InboundMessage } from './consumed-message';
import { KafkaPublisher } from './kafka-publisher';

const TOPIC = 'tessera.events.accepted.v1';
const traceIds = ['a'.repeat(32), 'b'.repeat(32), 'c'.repeat(32)];
const parentSpanId = '1'.repeat(16);

function message(offset: number, traceId: string, value = `v${offset}`): InboundMessage {
  return {
    topic: TOPIC,
    partition: 2,
    offset: String(offset),
    key: null,
    value: Buffer.from(value),
    headers: { traceparent: Buffer.from(`00-${traceId}-${parentSpanId}-01`) },
    timestamp: '0',
  };
}

describe('a span per consumed record, in the trace its producer left in the headers', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

  beforeAll(() => {
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(provider);
  });
  afterAll(async () => {
    trace.disable();
    propagation.disable();
    await provider.shutdown();
  });
  beforeEach(() => exporter.reset());

  async function processBatch(handler: (messages: ConsumedMessage<string>[]) => Promise<void>) {
    const processor = new BatchProcessor<string>({
      handler,
      decode: (m) => {
        const text = m.value!.toString();
        if (text === 'garbage') throw new Error('not decodable');
        return text;
      },
      park: async () => undefined,
      maxAttempts: 2,
      retryBackoffMs: 0,
      sleep: async () => undefined,
    });
    await processor.process([
      message(7, traceIds[0]),
      message(8, traceIds[1], 'garbage'),
      message(9, traceIds[2], 'poison'),
    ]);
  }

  it('hands each message its own span, child of its producer, ended once the batch is done', async () => {
    const seen: { value: string; traceId?: string; open: boolean }[] = [];
    await processBatch(async (messages) => {
      for (const m of messages) {
        const span = trace.getSpan(m.traceContext);
        seen.push({
          value: m.value,
          traceId: span?.spanContext().traceId,
          open: exporter.getFinishedSpans().length === 0,
        });
      }
      if (messages.some((m) => m.value === 'poison')) throw new Error('boom');
    });
    expect(seen[0]).toEqual({ value: 'v7', traceId: traceIds[0], open: true });
    const spans = exporter.getFinishedSpans();
    expect(spans.map((span) => span.spanContext().traceId).sort()).toEqual(traceIds);
    for (const span of spans) {
      expect(span.name).toBe(`${TOPIC} process`);
      expect(span.kind).toBe(SpanKind.CONSUMER);
      expect(span.parentSpanContext?.spanId).toBe(parentSpanId);
      expect(span.attributes['messaging.destination.partition.id']).toBe('2');
    }
    const byTrace = new Map(spans.map((span) => [span.spanContext().traceId, span]));
    expect(byTrace.get(traceIds[0])!.status.code).toBe(SpanStatusCode.UNSET);
    expect(byTrace.get(traceIds[1])!.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: 'decode-error',
    });
    expect(byTrace.get(traceIds[2])!.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: 'handler-failed',
    });
  });

  it('publishes each record with the trace it is given, not the one active', async () => {
    const sent: { headers?: Record<string, unknown> }[] = [];
    const producer = {
      on: () => undefined,
      sendBatch: async ({ topicMessages }: { topicMessages: { messages: typeof sent }[] }) => {
        sent.push(...topicMessages.flatMap((entry) => entry.messages));
      },
    };
    const publisher = new KafkaPublisher({ producer: () => producer } as never);
    await processBatch(async (messages) => {
      await publisher.publish({
        out: messages.map((m) => ({ key: null, value: null, traceContext: m.traceContext })),
      });
    });
    const traceOf = (header: unknown) => String(header).split('-')[1];
    expect(sent.map((record) => traceOf(record.headers?.traceparent))).toEqual([
      traceIds[0],
      traceIds[2],
    ]);
  });
});
