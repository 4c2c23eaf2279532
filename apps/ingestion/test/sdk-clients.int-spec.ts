import RudderAnalytics from '@rudderstack/rudder-sdk-node';
import { Analytics as SegmentAnalytics } from '@segment/analytics-node';
import type { Event } from '@tessera/contracts';
import { eventually } from '@tessera/testing';
import { randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { IngestionHarness } from './ingestion-harness';

/** One call as the SDK put it on the wire (JSON round-tripped, so dates are ISO strings). */
type SentCall = Record<string, unknown> & { type: string; messageId: string };

/** What an SDK sent and how the service answered, observed without changing the SDK. */
interface Delivery {
  calls: SentCall[];
  /** Batch-level sentAt of the request each call went out in, by messageId. */
  batchSentAt: Map<string, string>;
  /** Failed requests as the SDK reported them; empty when every request was accepted. */
  failures: string[];
}

/** What one delivery is told: a run id that makes its user ids unique, and a past event time. */
interface Script {
  run: string;
  backdated: Date;
}

const script = (): Script => ({ run: randomUUID(), backdated: new Date(Date.now() - 86_400_000) });

/** `@segment/analytics-node` as its README shows it, pointed at the service. */
async function deliverWithSegment(harness: IngestionHarness, writeKey: string, s: Script) {
  const analytics = new SegmentAnalytics({
    writeKey,
    host: harness.url,
    flushAt: 20,
    flushInterval: 60_000,
    maxRetries: 2,
  });
  const delivery: Delivery = { calls: [], batchSentAt: new Map(), failures: [] };
  analytics.on('http_request', ({ body }) => record(delivery, JSON.parse(body) as SentBatch));
  analytics.on('http_response', ({ status, statusText }) => {
    if (status !== 200) delivery.failures.push(`${status} ${statusText}`);
  });
  analytics.on('error', (error) => delivery.failures.push(JSON.stringify(error)));
  analytics.track({
    userId: `track-${s.run}`,
    event: 'Order Completed',
    properties: { revenue: 42.5, currency: 'EUR', items: [{ sku: 'A-1' }] },
    timestamp: s.backdated,
  });
  analytics.identify({
    userId: `identify-${s.run}`,
    traits: { email: 'ada@example.com', plan: 'team' },
  });
  analytics.page({
    anonymousId: `page-${s.run}`,
    category: 'Docs',
    name: 'Install',
    properties: { path: '/docs/install' },
  });
  analytics.group({ userId: `group-${s.run}`, groupId: 'acme', traits: { name: 'Acme' } });
  analytics.alias({ userId: `alias-${s.run}`, previousId: `anon-${s.run}` });
  await analytics.closeAndFlush({ timeout: 30_000 });
  return delivery;
}

/**
 * `@rudderstack/rudder-sdk-node` with its defaults (it gzips the body and posts to
 * `<dataPlaneUrl>/v1/batch`). The flush callback hands back what was sent (gzipped by default).
 */
async function deliverWithRudderStack(
  harness: IngestionHarness,
  writeKey: string,
  s: Script,
  options: { gzip?: boolean } = {},
) {
  const delivery: Delivery = { calls: [], batchSentAt: new Map(), failures: [] };
  const analytics = new RudderAnalytics(writeKey, {
    dataPlaneUrl: harness.url,
    flushAt: 20,
    flushInterval: 60_000,
    retryCount: 0,
    logLevel: 'error',
    ...options,
    errorHandler: (error?: { response?: { status: number; data: unknown } }) => {
      delivery.failures.push(`${error?.response?.status} ${JSON.stringify(error?.response?.data)}`);
    },
  });
  const seen = new Set<unknown>();
  const onSent = (_error?: unknown, data?: unknown) => {
    if (data === undefined || seen.has(data)) return;
    seen.add(data);
    record(delivery, decodeRudderBody(data));
  };
  analytics.track(
    {
      userId: `track-${s.run}`,
      event: 'Order Completed',
      properties: { revenue: 42.5, currency: 'EUR', items: [{ sku: 'A-1' }] },
    },
    onSent,
  );
  analytics.identify(
    { userId: `identify-${s.run}`, traits: { email: 'ada@example.com', plan: 'team' } },
    onSent,
  );
  analytics.page(
    {
      anonymousId: `page-${s.run}`,
      category: 'Docs',
      name: 'Install',
      properties: { path: '/docs/install' },
    },
    onSent,
  );
  analytics.group({ userId: `group-${s.run}`, groupId: 'acme', traits: { name: 'Acme' } }, onSent);
  analytics.alias({ userId: `alias-${s.run}`, previousId: `anon-${s.run}` }, onSent);
  analytics.track(
    { userId: `backdated-${s.run}`, event: 'Imported', timestamp: s.backdated },
    onSent,
  );
  await analytics.flush();
  // The callbacks run on setImmediate after the last response.
  await eventually(() => delivery.calls.length === 6 || undefined, 10_000, 'all calls reported');
  return delivery;
}

interface SentBatch {
  batch: SentCall[];
  sentAt?: string;
}

function record(delivery: Delivery, body: SentBatch) {
  for (const call of body.batch) {
    delivery.calls.push(call);
    if (body.sentAt) delivery.batchSentAt.set(call.messageId, body.sentAt);
  }
}

function decodeRudderBody(data: unknown): SentBatch {
  const json = Buffer.isBuffer(data) ? gunzipSync(data).toString('utf8') : JSON.stringify(data);
  return JSON.parse(json) as SentBatch;
}

describe('official SDKs pointed at the collection API', () => {
  let harness: IngestionHarness;

  beforeAll(async () => {
    harness = await IngestionHarness.start('sdk-clients');
  }, 60_000);

  afterAll(() => harness.close());

  function callFor(delivery: Delivery, id: string): SentCall {
    const call = delivery.calls.find((c) => c.userId === id || c.anonymousId === id);
    if (!call) throw new Error(`the SDK sent no call for ${id}`);
    return call;
  }

  /** Waits until every call the SDK sent is on the accepted topic, or the time is up. */
  async function settle(delivery: Delivery, sourceId: string): Promise<void> {
    const ids = new Set(delivery.calls.map((call) => call.messageId));
    await eventually(
      () => harness.acceptedFrom(sourceId).filter((e) => ids.has(e.messageId)).length === ids.size,
      15_000,
    ).catch(() => undefined); // the tests say what is missing
  }

  describe.each([
    ['Segment @segment/analytics-node with its default wire format', deliverWithSegment],
    [
      'RudderStack @rudderstack/rudder-sdk-node with its default wire format (gzip)',
      deliverWithRudderStack,
    ],
    [
      'RudderStack @rudderstack/rudder-sdk-node with gzip turned off',
      (h: IngestionHarness, key: string, s: Script) =>
        deliverWithRudderStack(h, key, s, { gzip: false }),
    ],
  ])('%s', (_name, deliver) => {
    let source: { id: string; writeKey: string };
    let s: Script;
    let delivery: Delivery;

    beforeAll(async () => {
      source = await harness.createSource();
      s = script();
      delivery = await deliver(harness, source.writeKey, s);
      await settle(delivery, source.id);
    }, 60_000);

    const arrived = (id: string) => {
      const call = callFor(delivery, id);
      const event = harness.acceptedFrom(source.id).find((e) => e.messageId === call.messageId);
      return { call, event };
    };

    it('has every request it sends accepted', () => {
      expect(delivery.calls.length).toBeGreaterThanOrEqual(5);
      expect(delivery.failures).toEqual([]);
    });

    it('delivers a track call with its event name and properties under the SDK messageId', () => {
      const { call, event } = arrived(`track-${s.run}`);
      expect(event).toMatchObject<Partial<Event>>({
        messageId: call.messageId,
        type: 'track',
        userId: `track-${s.run}`,
        event: 'Order Completed',
        properties: { revenue: 42.5, currency: 'EUR', items: [{ sku: 'A-1' }] },
        sourceId: source.id,
      });
    });

    it('delivers an identify call with its traits', () => {
      const { call, event } = arrived(`identify-${s.run}`);
      expect(event).toMatchObject<Partial<Event>>({
        messageId: call.messageId,
        type: 'identify',
        userId: `identify-${s.run}`,
        traits: { email: 'ada@example.com', plan: 'team' },
      });
    });

    it('delivers a page call with its name and properties', () => {
      const { call, event } = arrived(`page-${s.run}`);
      expect(event).toMatchObject<Partial<Event>>({
        messageId: call.messageId,
        type: 'page',
        anonymousId: `page-${s.run}`,
        name: 'Install',
        properties: { path: '/docs/install' },
      });
    });

    it('delivers a group call with its groupId and traits', () => {
      const { call, event } = arrived(`group-${s.run}`);
      expect(event).toMatchObject<Partial<Event>>({
        messageId: call.messageId,
        type: 'group',
        groupId: 'acme',
        traits: { name: 'Acme' },
      });
    });

    it('delivers an alias call with its previousId', () => {
      const { call, event } = arrived(`alias-${s.run}`);
      expect(event).toMatchObject<Partial<Event>>({
        messageId: call.messageId,
        type: 'alias',
        userId: `alias-${s.run}`,
        previousId: `anon-${s.run}`,
      });
    });

    it('keeps the context.library the SDK sets', () => {
      const { call, event } = arrived(`identify-${s.run}`);
      const sentLibrary = (call.context as { library: { name: string; version: string } }).library;
      expect(sentLibrary.name).toContain('analytics-node');
      expect(event?.context).toMatchObject({ library: sentLibrary });
    });

    it('puts the SDK event time on the server clock with the sentAt it sends', () => {
      const { event } = arrived(`identify-${s.run}`);
      expect(event?.sentAt).toEqual(expect.any(Number));
      expect(event?.originalTimestamp).toEqual(expect.any(Number));
      const { receivedAt, sentAt, originalTimestamp, timestamp } = event!;
      expect(timestamp).toBe(receivedAt - (sentAt! - originalTimestamp!));
      expect(Math.abs(timestamp! - receivedAt)).toBeLessThan(10_000);
    });
  });

  it('keeps a backdated timestamp sent by the Segment SDK, corrected by the batch sentAt', async () => {
    const source = await harness.createSource();
    const s = script();
    const delivery = await deliverWithSegment(harness, source.writeKey, s);
    const call = callFor(delivery, `track-${s.run}`);
    const event = await eventually(() =>
      harness.acceptedFrom(source.id).find((e) => e.messageId === call.messageId),
    );
    const sentAt = Date.parse(delivery.batchSentAt.get(call.messageId)!);
    expect(event.originalTimestamp).toBe(s.backdated.getTime());
    expect(event.sentAt).toBe(sentAt);
    expect(event.timestamp).toBe(event.receivedAt - (sentAt - s.backdated.getTime()));
  });

  it('keeps a timestamp passed to the RudderStack SDK for a backdated event', async () => {
    const source = await harness.createSource();
    const s = script();
    const delivery = await deliverWithRudderStack(harness, source.writeKey, s);
    const call = callFor(delivery, `backdated-${s.run}`);
    const event = await eventually(() =>
      harness.acceptedFrom(source.id).find((e) => e.messageId === call.messageId),
    );
    // The SDK sends the caller's `timestamp` next to its own `originalTimestamp` (the call time).
    expect(call).toMatchObject({ timestamp: s.backdated.toISOString() });
    expect(Math.abs(event.timestamp! - s.backdated.getTime())).toBeLessThan(60_000);
  });
});
