import { context, propagation, trace, TraceFlags } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { extractTraceContext, injectTraceContext } from './trace-context';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const SPAN_ID = 'b7ad6b7169203331';

describe('trace context in Kafka headers', () => {
  beforeAll(() => propagation.setGlobalPropagator(new W3CTraceContextPropagator()));
  afterAll(() => propagation.disable());

  const producerContext = trace.setSpanContext(context.active(), {
    traceId: TRACE_ID,
    spanId: SPAN_ID,
    traceFlags: TraceFlags.SAMPLED,
    isRemote: false,
  });

  it('writes the W3C traceparent header of the active span', () => {
    const headers = injectTraceContext({ other: 'kept' }, producerContext);
    expect(headers.traceparent).toBe(`00-${TRACE_ID}-${SPAN_ID}-01`);
    expect(headers.other).toBe('kept');
  });

  it('reads back the same trace from the headers a consumer receives', () => {
    const headers = injectTraceContext({}, producerContext);
    const received = Object.fromEntries(
      Object.entries(headers).map(([key, value]) => [key, Buffer.from(String(value))]),
    );
    const span = trace.getSpanContext(extractTraceContext(received));
    expect(span).toMatchObject({ traceId: TRACE_ID, spanId: SPAN_ID, isRemote: true });
  });

  it('yields no span context for a message produced without one', () => {
    expect(trace.getSpanContext(extractTraceContext({}))).toBeUndefined();
  });
});
