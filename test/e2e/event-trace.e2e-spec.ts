import { TOPICS } from '@tessera/contracts';
import {
  eventually,
  freePort,
  OtlpReceiver,
  startService,
  TestRun,
  waitForReady,
  WebhookReceiver,
  type ReceivedSpan,
  type StartedService,
} from '@tessera/testing';
import { randomBytes, randomUUID } from 'node:crypto';

jest.setTimeout(300_000);

const SERVICES = ['ingestion', 'identity', 'enrichment', 'activation'] as const;
const SPAN_KIND = { server: 2, client: 3, consumer: 5 } as const;

/**
 * One customer's event, sent over HTTP (or published to the raw-events topic by a Kafka producer)
 * inside a trace the test starts (its caller's span).
 */
interface TracedEvent {
  via: 'http' | 'kafka';
  user: string;
  traceId: string;
  callerSpanId: string;
}

describe('one OpenTelemetry trace per event, from the HTTP request to the webhook call', () => {
  const run = TestRun.create('trace-e2e');
  const services = new Map<string, StartedService>();
  const token = run.serviceEnv('activation').ADMIN_TOKEN;
  const topic = `crm.traces.${run.id}`;
  const reader = run.kafka.consumer({ groupId: `reader-${randomUUID()}` });
  const onTopic: { traceparent: string; body: string }[] = [];
  const events: TracedEvent[] = (
    [
      ['first', 'http'],
      ['second', 'http'],
      ['third', 'kafka'],
    ] as const
  ).map(([name, via]) => ({
    via,
    user: `${name}-${run.id}`,
    traceId: randomBytes(16).toString('hex'),
    callerSpanId: randomBytes(8).toString('hex'),
  }));
  let spans: OtlpReceiver;
  let webhooks: WebhookReceiver;

  const url = (service: string, path: string) => `${services.get(service)!.url}${path}`;
  const admin = async (service: string, path: string, body: unknown) => {
    const response = await fetch(url(service, path), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(201);
    return response.json() as Promise<Record<string, unknown>>;
  };
  const traceparentOf = (event: TracedEvent) => `00-${event.traceId}-${event.callerSpanId}-01`;
  const traceIdOf = (traceparent: string | string[] | undefined) =>
    (typeof traceparent === 'string' ? traceparent : '').split('-')[1];

  beforeAll(async () => {
    spans = await OtlpReceiver.start();
    webhooks = await WebhookReceiver.start();
    for (const name of SERVICES)
      services.set(
        name,
        startService(name, {
          ...run.serviceEnv(name),
          ...spans.env,
          PORT: String(await freePort()),
          ...(name === 'activation' ? { WEBHOOK_ALLOWLIST: '127.0.0.1/32' } : {}),
        }),
      );
    for (const service of services.values()) await waitForReady(service);

    await admin('activation', '/v1/subscriptions', {
      id: 'traced-webhook',
      target: { type: 'webhook', url: webhooks.url },
      filter: { profileUpdates: true },
    });
    await admin('activation', '/v1/subscriptions', {
      id: 'traced-topic',
      target: { type: 'kafka', topic },
      filter: { profileUpdates: true },
    });
    await reader.connect();
    await reader.subscribe({ topic, fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        onTopic.push({
          traceparent: message.headers?.traceparent?.toString() ?? '',
          body: message.value?.toString() ?? '',
        });
      },
    });
    // Every replica routes with the new subscriptions (SUBSCRIPTIONS_REFRESH_MS, 2 s by default).
    await new Promise((resolve) => setTimeout(resolve, 3_000));

    const { writeKey } = await admin('ingestion', '/admin/sources', { name: 'web' });
    const producer = run.kafka.producer();
    await producer.connect();
    const body = (event: TracedEvent) =>
      JSON.stringify({
        type: 'track',
        userId: event.user,
        event: 'Order Completed',
        properties: { revenue: 10 },
      });
    // All at once: they may share every consumer batch on the way and must keep their own traces.
    const [answers] = await Promise.all([
      Promise.all(
        events
          .filter((event) => event.via === 'http')
          .map((event) =>
            fetch(url('ingestion', '/v1/track'), {
              method: 'POST',
              headers: {
                authorization: `Basic ${Buffer.from(`${String(writeKey)}:`).toString('base64')}`,
                'content-type': 'application/json',
                traceparent: traceparentOf(event),
              },
              body: body(event),
            }),
          ),
      ),
      producer.send({
        topic: run.topics.resolve(TOPICS.rawEvents),
        messages: events
          .filter((event) => event.via === 'kafka')
          .map((event) => ({
            key: event.user,
            value: body(event),
            headers: { 'tessera-write-key': String(writeKey), traceparent: traceparentOf(event) },
          })),
      }),
    ]);
    await producer.disconnect();
    for (const answer of answers) expect(answer.status).toBe(200);
  });

  afterAll(async () => {
    await reader.disconnect();
    for (const service of services.values()) service.process.kill('SIGKILL');
    await webhooks?.close();
    await spans?.close();
    await run.cleanup();
  });

  const hasUser = (body: string, user: string) => body.includes(`"value":"${user}"`);

  it.each(events.map((event, index) => [index + 1, event] as const))(
    'event %i: the webhook call and the target record carry the trace of the request that brought it',
    async (_, event) => {
      const request = await eventually(
        () =>
          webhooks.ofType('profile.updated').find((received) => hasUser(received.body, event.user)),
        180_000,
        `the webhook message of ${event.user}`,
      );
      expect(traceIdOf(request.headers.traceparent)).toBe(event.traceId);
      const record = await eventually(
        () => onTopic.find((received) => hasUser(received.body, event.user)),
        60_000,
        `the target record of ${event.user}`,
      );
      expect(traceIdOf(record.traceparent)).toBe(event.traceId);
    },
  );

  it.each(events.map((event, index) => [index + 1, event] as const))(
    'event %i: one trace holds a span of every hop, each the child of the hop before',
    async (_, event) => {
      const process = (service: string, contractTopic: string) => (span: ReceivedSpan) =>
        span.service === `tessera-${service}` &&
        span.kind === SPAN_KIND.consumer &&
        span.name === `${run.topics.resolve(contractTopic)} process`;
      const hops = {
        http: (span: ReceivedSpan) =>
          (event.via === 'http'
            ? span.service === 'tessera-ingestion' && span.kind === SPAN_KIND.server
            : process('ingestion', TOPICS.rawEvents)(span)) &&
          span.parentSpanId === event.callerSpanId,
        identity: process('identity', TOPICS.acceptedEvents),
        enrichment: process('enrichment', TOPICS.resolvedEvents),
        activation: process('activation', TOPICS.profiles),
        webhook: (span: ReceivedSpan) =>
          span.service === 'tessera-activation' &&
          span.kind === SPAN_KIND.client &&
          span.name === 'webhook deliver' &&
          span.attributes['tessera.subscription.id'] === 'traced-webhook',
      };
      const found = await eventually(
        () => {
          const trace = spans.trace(event.traceId);
          const each = Object.entries(hops).map(([hop, is]) => [hop, trace.find(is)] as const);
          return each.every(([, span]) => span) ? { trace, hops: Object.fromEntries(each) } : false;
        },
        60_000,
        `a span of every hop in trace ${event.traceId}`,
      );
      const { http, identity, enrichment, activation, webhook } = found.hops as Record<
        keyof typeof hops,
        ReceivedSpan
      >;
      const services = (span: ReceivedSpan) => ancestorsOf(span, found.trace).map((s) => s.service);
      // Each hop descends from the one before it, through the services in between.
      expect(services(identity)).toContain('tessera-ingestion');
      expect(ancestorsOf(identity, found.trace)).toContain(http);
      expect(ancestorsOf(enrichment, found.trace)).toContain(identity);
      expect(ancestorsOf(activation, found.trace)).toContain(enrichment);
      expect(ancestorsOf(webhook, found.trace)).toContain(activation);
      expect(webhook.statusCode).not.toBe(2);
      expect(spans.unreadable).toEqual([]);
    },
  );
});

/** The spans above `span` in its trace, nearest first. */
function ancestorsOf(span: ReceivedSpan, trace: ReceivedSpan[]): ReceivedSpan[] {
  const byId = new Map(trace.map((candidate) => [candidate.spanId, candidate]));
  const ancestors: ReceivedSpan[] = [];
  for (let parent = byId.get(span.parentSpanId); parent; parent = byId.get(parent.parentSpanId))
    ancestors.push(parent);
  return ancestors;
}
