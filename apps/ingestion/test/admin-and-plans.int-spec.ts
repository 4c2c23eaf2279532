import { eventually } from '@tessera/testing';
import { randomUUID } from 'node:crypto';
import { IngestionHarness } from './ingestion-harness';

const ORDER_COMPLETED = {
  type: 'object',
  properties: { revenue: { type: 'number' } },
  required: ['revenue'],
};

describe('the admin API', () => {
  let harness: IngestionHarness;

  beforeAll(async () => {
    // No source cache, so a change made through the admin API applies to the very next request.
    harness = await IngestionHarness.start('admin-and-plans', { INGEST_SOURCE_CACHE_TTL_MS: '0' });
  }, 60_000);

  afterAll(() => harness.close());

  const track = (writeKey: string, call: Record<string, unknown> = {}) =>
    harness.post('/v1/track', writeKey, {
      userId: 'u-admin',
      event: 'Signed Up',
      messageId: randomUUID(),
      ...call,
    });

  async function adminWith(authorization: string | undefined) {
    const response = await fetch(`${harness.url}/admin/sources`, {
      headers: authorization ? { authorization } : {},
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  describe('authentication', () => {
    it('answers 401 with a JSON error without an admin token', async () => {
      const response = await adminWith(undefined);
      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ success: false, error: 'unauthorized' });
    });

    it('answers 401 with a JSON error for a wrong admin token', async () => {
      const response = await adminWith('Bearer not-the-admin-token-at-all');
      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ success: false, error: 'unauthorized' });
    });

    it('does not take a write key as the admin token', async () => {
      const source = await harness.createSource();
      const response = await adminWith(`Bearer ${source.writeKey}`);
      expect(response.status).toBe(401);
    });
  });

  describe('sources and write keys', () => {
    it('creates a source with 201 and shows its write key once', async () => {
      const name = `shop-${randomUUID()}`;
      const response = await harness.admin('POST', '/admin/sources', { name });
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({
        id: expect.stringMatching(/^src_/) as unknown,
        name,
        enabled: true,
        writeKey: expect.stringMatching(/^tsk_.{20,}/) as unknown,
        hasTrackingPlan: false,
      });
      const { writeKey } = response.body as { writeKey: string };
      expect((await track(writeKey)).status).toBe(200);
    });

    it('lists sources without their write keys', async () => {
      const source = await harness.createSource();
      const response = await harness.admin('GET', '/admin/sources');
      expect(response.status).toBe(200);
      const listed = (response.body as { sources: Record<string, unknown>[] }).sources;
      expect(listed.find((s) => s.id === source.id)).toMatchObject({
        id: source.id,
        enabled: true,
      });
      expect(listed.every((s) => !('writeKey' in s))).toBe(true);
      expect(JSON.stringify(response.body)).not.toContain(source.writeKey);
    });

    it('shows a source with the prefix of its write key, never the key', async () => {
      const source = await harness.createSource();
      const response = await harness.admin('GET', `/admin/sources/${source.id}`);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        id: source.id,
        writeKeys: [{ prefix: source.writeKey.slice(0, 10), expiresAt: null }],
      });
      expect(JSON.stringify(response.body)).not.toContain(source.writeKey);
    });

    it('stores no plaintext write key in the database', async () => {
      const source = await harness.createSource();
      const db = (await harness.run.mongoClient()).db(harness.config.mongo.database);
      const keys = await db.collection('write_keys').find({ sourceId: source.id }).toArray();
      expect(keys).toHaveLength(1);
      expect(keys[0]._id).toMatch(/^[0-9a-f]{64}$/);
      const secret = source.writeKey.slice(10);
      for (const name of (await db.listCollections().toArray()).map((c) => c.name)) {
        const documents = await db.collection(name).find().toArray();
        expect(JSON.stringify(documents)).not.toContain(secret);
      }
    });

    it('answers 401 for the key of a disabled source', async () => {
      const source = await harness.createSource();
      const disabled = await harness.admin('POST', `/admin/sources/${source.id}/disable`);
      expect(disabled).toMatchObject({ status: 200, body: { id: source.id, enabled: false } });
      const response = await track(source.writeKey);
      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ success: false, error: 'unauthorized' });
    });

    it('accepts the key again once the source is enabled again', async () => {
      const source = await harness.createSource();
      await harness.admin('POST', `/admin/sources/${source.id}/disable`);
      const enabled = await harness.admin('POST', `/admin/sources/${source.id}/enable`);
      expect(enabled).toMatchObject({ status: 200, body: { enabled: true } });
      expect((await track(source.writeKey)).status).toBe(200);
    });

    it('rotates the write key and keeps the old one working for the grace period', async () => {
      const source = await harness.createSource();
      const before = Date.now();
      const rotated = await harness.admin('POST', `/admin/sources/${source.id}/rotate-key`, {
        graceSeconds: 3600,
      });
      expect(rotated.status).toBe(200);
      const { writeKey, previousKeysExpireAt } = rotated.body as {
        writeKey: string;
        previousKeysExpireAt: string;
      };
      expect(writeKey).not.toBe(source.writeKey);
      expect(Date.parse(previousKeysExpireAt)).toBeGreaterThanOrEqual(before + 3_600_000);
      expect((await track(source.writeKey)).status).toBe(200);
      expect((await track(writeKey)).status).toBe(200);
      const shown = await harness.admin('GET', `/admin/sources/${source.id}`);
      expect(shown.body).toMatchObject({
        writeKeys: [
          { prefix: source.writeKey.slice(0, 10), expiresAt: previousKeysExpireAt },
          { prefix: writeKey.slice(0, 10), expiresAt: null },
        ],
      });
    });

    it('revokes the old write key at once when rotated with graceSeconds 0', async () => {
      const source = await harness.createSource();
      const rotated = await harness.admin('POST', `/admin/sources/${source.id}/rotate-key`, {
        graceSeconds: 0,
      });
      const { writeKey } = rotated.body as { writeKey: string };
      expect((await track(source.writeKey)).status).toBe(401);
      expect((await track(writeKey)).status).toBe(200);
    });

    it.each([
      ['GET', ''],
      ['POST', '/disable'],
      ['POST', '/enable'],
      ['POST', '/rotate-key'],
      ['PUT', '/rate-limit'],
      ['GET', '/tracking-plan'],
      ['PUT', '/tracking-plan'],
    ])('answers 404 for %s /admin/sources/<unknown>%s', async (method, suffix) => {
      const body = method === 'GET' ? undefined : { eventsPerSecond: 1, mode: 'allow' };
      const response = await harness.admin(method, `/admin/sources/src_unknown${suffix}`, body);
      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({ success: false, error: 'not_found' });
      expect(Object.keys(response.body as object).sort()).toEqual(['error', 'message', 'success']);
    });

    it.each([
      ['a source without a name', 'POST', '', {}, 'name'],
      ['a source with a blank name', 'POST', '', { name: '  ' }, 'name'],
      [
        'a source with a negative rate limit',
        'POST',
        '',
        { name: 'x', rateLimit: { eventsPerSecond: -1 } },
        'rateLimit',
      ],
      ['a body that is not an object', 'POST', '', [{ name: 'x' }], ''],
      ['a negative grace period', 'POST', '/{id}/rotate-key', { graceSeconds: -5 }, 'graceSeconds'],
      [
        'a grace period over 30 days',
        'POST',
        '/{id}/rotate-key',
        { graceSeconds: 31 * 86_400 },
        'graceSeconds',
      ],
      ['a fractional rate', 'PUT', '/{id}/rate-limit', { eventsPerSecond: 1.5 }, 'body'],
      ['an unknown plan mode', 'PUT', '/{id}/tracking-plan', { mode: 'strict' }, 'mode'],
      [
        'plan events as a list',
        'PUT',
        '/{id}/tracking-plan',
        { mode: 'flag', events: [] },
        'events',
      ],
      [
        'a plan event schema that is a string',
        'PUT',
        '/{id}/tracking-plan',
        { mode: 'flag', events: { Viewed: 'object' } },
        'events.Viewed',
      ],
      [
        'a non-boolean allowUnplannedEvents',
        'PUT',
        '/{id}/tracking-plan',
        { mode: 'flag', allowUnplannedEvents: 'no' },
        'allowUnplannedEvents',
      ],
    ])('answers 400 naming the field for %s', async (_case, method, suffix, body, field) => {
      const source = await harness.createSource();
      const path = `/admin/sources${suffix.replace('{id}', source.id)}`;
      const response = await harness.admin(method, path, body);
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({
        success: false,
        error: 'invalid_request',
        path: field,
      });
    });
  });

  describe('tracking plans', () => {
    async function sourceWithPlan(plan: Record<string, unknown>) {
      const source = await harness.createSource();
      const response = await harness.admin(
        'PUT',
        `/admin/sources/${source.id}/tracking-plan`,
        plan,
      );
      if (response.status !== 200) throw new Error(`plan refused: ${JSON.stringify(response)}`);
      return source;
    }

    const accepted = (messageId: string) =>
      eventually(() => harness.accepted.find((e) => e.messageId === messageId));

    it('stores a plan and serves it back', async () => {
      const plan = { mode: 'block', events: { 'Order Completed': ORDER_COMPLETED } };
      const source = await sourceWithPlan(plan);
      const served = await harness.admin('GET', `/admin/sources/${source.id}/tracking-plan`);
      expect(served).toEqual({ status: 200, body: plan });
      const shown = await harness.admin('GET', `/admin/sources/${source.id}`);
      expect(shown.body).toMatchObject({ hasTrackingPlan: true });
    });

    it('rejects an event that breaks a blocking plan with 400 and records it', async () => {
      const source = await sourceWithPlan({
        mode: 'block',
        events: { 'Order Completed': ORDER_COMPLETED },
      });
      const messageId = randomUUID();
      const response = await harness.post('/v1/track', source.writeKey, {
        userId: 'u-plan',
        event: 'Order Completed',
        properties: { coupon: 'X' },
        messageId,
      });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({
        success: false,
        error: 'tracking_plan_violation',
        accepted: 0,
        rejected: [
          {
            messageId,
            reason: 'tracking_plan_violation',
            errors: [{ path: 'properties.revenue' }],
          },
        ],
      });
      const rejection = await eventually(() =>
        harness.rejected.find((r) => r.messageId === messageId),
      );
      expect(rejection).toMatchObject({ reason: 'tracking_plan_violation', sourceId: source.id });
      expect(harness.accepted.some((e) => e.messageId === messageId)).toBe(false);
    });

    it('forwards an event that follows a blocking plan without violations', async () => {
      const source = await sourceWithPlan({
        mode: 'block',
        events: { 'Order Completed': ORDER_COMPLETED },
      });
      const messageId = randomUUID();
      const response = await harness.post('/v1/track', source.writeKey, {
        userId: 'u-plan',
        event: 'Order Completed',
        properties: { revenue: 12 },
        messageId,
      });
      expect(response.status).toBe(200);
      expect((await accepted(messageId)).violations).toEqual([]);
    });

    it('forwards an event that breaks a flagging plan with its violations attached', async () => {
      const source = await sourceWithPlan({
        mode: 'flag',
        events: { 'Order Completed': ORDER_COMPLETED },
      });
      const messageId = randomUUID();
      const response = await harness.post('/v1/track', source.writeKey, {
        userId: 'u-plan',
        event: 'Order Completed',
        properties: { revenue: 'lots' },
        messageId,
      });
      expect(response.status).toBe(200);
      expect((await accepted(messageId)).violations).toEqual([
        expect.stringMatching(/^properties\.revenue: /),
      ]);
    });

    it('forwards an event that breaks an allowing plan without violations', async () => {
      const source = await sourceWithPlan({
        mode: 'allow',
        events: { 'Order Completed': ORDER_COMPLETED },
      });
      const messageId = randomUUID();
      const response = await harness.post('/v1/track', source.writeKey, {
        userId: 'u-plan',
        event: 'Order Completed',
        properties: {},
        messageId,
      });
      expect(response.status).toBe(200);
      expect((await accepted(messageId)).violations).toEqual([]);
    });

    it('flags an unplanned event when the plan does not allow unplanned events', async () => {
      const source = await sourceWithPlan({
        mode: 'flag',
        events: { 'Order Completed': ORDER_COMPLETED },
        allowUnplannedEvents: false,
      });
      const messageId = randomUUID();
      await harness.post('/v1/track', source.writeKey, {
        userId: 'u-plan',
        event: 'Coupon Entered',
        messageId,
      });
      expect((await accepted(messageId)).violations).toEqual([
        expect.stringContaining('not in the tracking plan'),
      ]);
    });

    it('blocks an unplanned event when the plan does not allow unplanned events', async () => {
      const source = await sourceWithPlan({
        mode: 'block',
        events: { 'Order Completed': ORDER_COMPLETED },
        allowUnplannedEvents: false,
      });
      const response = await track(source.writeKey, { event: 'Coupon Entered' });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({
        error: 'tracking_plan_violation',
        rejected: [{ errors: [{ path: 'event' }] }],
      });
    });

    it('forwards an unplanned event when the plan allows unplanned events', async () => {
      const source = await sourceWithPlan({
        mode: 'block',
        events: { 'Order Completed': ORDER_COMPLETED },
      });
      const response = await track(source.writeKey, { event: 'Coupon Entered' });
      expect(response.status).toBe(200);
    });

    it('counts violations in /metrics by source, event and action', async () => {
      const source = await sourceWithPlan({
        mode: 'block',
        events: { 'Order Completed': ORDER_COMPLETED },
      });
      for (let i = 0; i < 2; i++)
        await track(source.writeKey, { event: 'Order Completed', properties: {} });
      const text = await (await fetch(`${harness.url}/metrics`)).text();
      expect(text).toContain(
        `tessera_ingestion_tracking_plan_violations_total{source="${source.id}",event="Order Completed",action="reject"} 2`,
      );
    });

    it('stops applying a plan once it is deleted', async () => {
      const source = await sourceWithPlan({
        mode: 'block',
        events: { 'Order Completed': ORDER_COMPLETED },
      });
      const deleted = await harness.admin('DELETE', `/admin/sources/${source.id}/tracking-plan`);
      expect(deleted.status).toBe(204);
      const response = await track(source.writeKey, { event: 'Order Completed' });
      expect(response.status).toBe(200);
    });

    it('refuses a plan with an invalid JSON Schema with 400 naming the event', async () => {
      const source = await harness.createSource();
      const response = await harness.admin('PUT', `/admin/sources/${source.id}/tracking-plan`, {
        mode: 'block',
        events: { 'Order Completed': { type: 'nonsense' } },
      });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({
        success: false,
        error: 'invalid_tracking_plan',
        problems: [{ path: 'events.Order Completed' }],
      });
      const served = await harness.admin('GET', `/admin/sources/${source.id}/tracking-plan`);
      expect(served.status).toBe(404);
    });
  });
});
