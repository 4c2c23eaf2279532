import { eventually } from '@tessera/testing';
import { randomUUID } from 'node:crypto';
import { IngestionHarness } from './ingestion-harness';

describe('the collection API', () => {
  let harness: IngestionHarness;
  let source: { id: string; writeKey: string };

  beforeAll(async () => {
    harness = await IngestionHarness.start('collection-api');
    source = await harness.createSource();
  }, 60_000);

  afterAll(() => harness.close());

  it('accepts a track call and publishes it to the accepted-events topic with server fields', async () => {
    const messageId = randomUUID();
    const before = Date.now();
    const response = await harness.post('/v1/track', source.writeKey, {
      userId: 'user-42',
      event: 'Order Completed',
      properties: { revenue: 99.5, products: [{ sku: 'A' }] },
      context: { ip: '10.0.0.1' },
      messageId,
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ success: true, accepted: 1, duplicates: 0 });
    const event = await eventually(() => harness.accepted.find((e) => e.messageId === messageId));
    expect(event).toMatchObject({
      type: 'track',
      userId: 'user-42',
      event: 'Order Completed',
      properties: { revenue: 99.5, products: [{ sku: 'A' }] },
      context: { ip: '10.0.0.1' },
      sourceId: source.id,
    });
    expect(event.receivedAt).toBeGreaterThanOrEqual(before);
  });

  it('corrects the timestamp for the client clock skew', async () => {
    const messageId = randomUUID();
    const clientNow = Date.now() + 3_600_000; // the client clock runs an hour ahead
    await harness.post('/v1/track', source.writeKey, {
      anonymousId: 'anon-1',
      event: 'Viewed',
      messageId,
      timestamp: new Date(clientNow - 60_000).toISOString(),
      sentAt: new Date(clientNow).toISOString(),
    });
    const event = await eventually(() => harness.accepted.find((e) => e.messageId === messageId));
    expect(event.receivedAt - event.timestamp!).toBeGreaterThanOrEqual(60_000);
    expect(event.receivedAt - event.timestamp!).toBeLessThan(65_000);
    expect(event.originalTimestamp).toBe(clientNow - 60_000);
  });

  it('generates a messageId when the client sends none', async () => {
    const userId = `user-${randomUUID()}`;
    await harness.post('/v1/identify', source.writeKey, {
      userId,
      traits: { email: 'x@example.com' },
    });
    const event = await eventually(() => harness.accepted.find((e) => e.userId === userId));
    expect(event.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(event.traits).toEqual({ email: 'x@example.com' });
  });

  it('takes a batch with batch-level context and the write key in the body', async () => {
    const ids: string[] = [randomUUID(), randomUUID()];
    const response = await harness.post('/v1/batch', null, {
      writeKey: source.writeKey,
      context: { library: { name: 'test' } },
      batch: [
        { type: 'page', anonymousId: 'a1', name: 'Home', messageId: ids[0] },
        { type: 'group', userId: 'u1', groupId: 'g1', traits: { plan: 'team' }, messageId: ids[1] },
      ],
    });
    expect(response.body).toEqual({ success: true, accepted: 2, duplicates: 0 });
    const events = await eventually(() => {
      const found = harness.accepted.filter((e) => ids.includes(e.messageId));
      return found.length === 2 ? found : undefined;
    });
    expect(events.every((e) => (e.context as { library?: unknown }).library !== undefined)).toBe(
      true,
    );
  });

  it('answers a repeated messageId with 200 and does not forward it again', async () => {
    const messageId = randomUUID();
    const call = { userId: 'u-dup', event: 'Clicked', messageId };
    await harness.post('/v1/track', source.writeKey, call);
    const second = await harness.post('/v1/track', source.writeKey, call);
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ success: true, accepted: 0, duplicates: 1 });
    await eventually(() => harness.accepted.some((e) => e.messageId === messageId));
    const marker = randomUUID();
    await harness.post('/v1/track', source.writeKey, {
      userId: 'u-dup',
      event: 'Marker',
      messageId: marker,
    });
    await eventually(() => harness.accepted.some((e) => e.messageId === marker));
    expect(harness.accepted.filter((e) => e.messageId === messageId)).toHaveLength(1);
  });

  it('rejects an unknown write key with 401 and a JSON error', async () => {
    const response = await harness.post('/v1/track', 'tsk_not-a-key', { userId: 'u', event: 'x' });
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ success: false, error: 'unauthorized' });
  });

  it('rejects a call without userId or anonymousId with 400 naming the field, and records it', async () => {
    const messageId = randomUUID();
    const response = await harness.post('/v1/track', source.writeKey, {
      event: 'Orphan',
      messageId,
    });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      success: false,
      error: 'invalid_event',
      rejected: [{ index: 0, messageId, reason: 'invalid_event', errors: [{ path: 'userId' }] }],
    });
    const rejection = await eventually(() =>
      harness.rejected.find((r) => r.messageId === messageId),
    );
    expect(rejection).toMatchObject({
      reason: 'invalid_event',
      sourceId: source.id,
      channel: 'http',
    });
    expect(JSON.parse(rejection.payload.toString())).toEqual({ event: 'Orphan', messageId });
  });

  it('accepts the valid events of a batch and rejects the others, saying which', async () => {
    const [good, bad] = [randomUUID(), randomUUID()];
    const response = await harness.post('/v1/batch', source.writeKey, {
      batch: [
        { type: 'track', userId: 'u', event: 'Good', messageId: good },
        { type: 'track', userId: 'u', messageId: bad },
      ],
    });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      accepted: 1,
      rejected: [{ index: 1, messageId: bad, errors: [{ path: 'event' }] }],
    });
    await eventually(() => harness.accepted.some((e) => e.messageId === good));
    await eventually(() => harness.rejected.some((r) => r.messageId === bad));
  });

  it('rejects an event over the per-event limit inside a batch and keeps the rest', async () => {
    const [small, large] = [randomUUID(), randomUUID()];
    const response = await harness.post('/v1/batch', source.writeKey, {
      batch: [
        { type: 'track', userId: 'u', event: 'Small', messageId: small },
        {
          type: 'track',
          userId: 'u',
          event: 'Large',
          messageId: large,
          properties: { blob: 'x'.repeat(40_000) },
        },
      ],
    });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      accepted: 1,
      rejected: [{ index: 1, reason: 'payload_too_large' }],
    });
    const rejection = await eventually(() => harness.rejected.find((r) => r.messageId === large));
    expect(rejection.reason).toBe('payload_too_large');
  });

  it('answers 400 for a request body over the request limit', async () => {
    const batch = Array.from({ length: 20 }, () => ({
      type: 'track',
      userId: 'u',
      event: 'e',
      properties: { p: 'y'.repeat(30_000) },
    }));
    const response = await harness.post('/v1/batch', source.writeKey, { batch });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ success: false, error: 'payload_too_large' });
  });

  it('answers 400 for malformed JSON and records the original bytes', async () => {
    const body = `{"userId": "u", "event": "broken ${randomUUID()}"`;
    const response = await harness.post('/v1/track', source.writeKey, body);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ success: false, error: 'invalid_json' });
    const rejection = await eventually(() =>
      harness.rejected.find((r) => r.payload.toString() === body),
    );
    expect(rejection).toMatchObject({ reason: 'invalid_json', sourceId: source.id });
  });

  it('answers 400 for a content type other than JSON', async () => {
    const response = await harness.post(
      '/v1/track',
      source.writeKey,
      '<event/>',
      'application/xml',
    );
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ success: false, error: 'unsupported_content_type' });
  });

  it('answers 404 with a JSON error for an unknown call type', async () => {
    const response = await harness.post('/v1/purchase', source.writeKey, { userId: 'u' });
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ success: false, error: 'not_found' });
  });

  it('counts accepted, deduplicated and rejected events in /metrics', async () => {
    const text = await (await fetch(`${harness.url}/metrics`)).text();
    for (const outcome of ['accepted', 'deduplicated', 'rejected']) {
      expect(text).toMatch(
        new RegExp(
          `tessera_ingestion_events_total\\{source="${source.id}",channel="http",outcome="${outcome}"`,
        ),
      );
    }
  });
});
