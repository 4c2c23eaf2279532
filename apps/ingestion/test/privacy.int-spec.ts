import {
  TOPICS,
  type Event,
  type PrivacyRequest,
  type PrivacyResolution,
  type PrivacyStatus,
} from '@tessera/contracts';
import { identifierHash } from '@tessera/identity';
import { eventually } from '@tessera/testing';
import { Partitioners, type Consumer, type Producer } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { BrokerLink } from './broker-link';
import { ADMIN_TOKEN, IngestionHarness } from './ingestion-harness';

const WRITE_KEY_HEADER = 'tessera-write-key';
const REFRESH_MS = 300;

interface RequestView {
  id: string;
  type: string;
  identifier: { type: string };
  status: 'pending' | 'done' | 'failed';
  result: null | 'done' | 'nothing found';
  services: Record<string, { status: string; detail: string | null; at: string | null }>;
  requestedAt: string;
  completedAt: string | null;
}

describe('privacy requests', () => {
  let harness: IngestionHarness;
  let producer: Producer;
  let source: { id: string; writeKey: string };
  const readers: Consumer[] = [];
  const requests: { key: string; value: PrivacyRequest }[] = [];
  const statuses: PrivacyStatus[] = [];

  beforeAll(async () => {
    harness = await IngestionHarness.start('privacy', {
      PRIVACY_SUPPRESSION_REFRESH_MS: String(REFRESH_MS),
    });
    source = await harness.createSource();
    producer = harness.run.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await follow(TOPICS.privacyRequests, (key, value) =>
      requests.push({
        key: harness.codec.decodeAs('PrivacyRequestKey', key).requestId,
        value: harness.codec.decodeAs('PrivacyRequest', value),
      }),
    );
    await follow(TOPICS.privacyStatuses, (_key, value) =>
      statuses.push(harness.codec.decodeAs('PrivacyStatus', value)),
    );
  }, 60_000);

  afterAll(async () => {
    await Promise.all(readers.map((reader) => reader.disconnect()));
    await producer.disconnect();
    await harness.close();
  });

  async function follow(topic: string, onRecord: (key: Buffer, value: Buffer) => void) {
    const reader = harness.run.kafka.consumer({ groupId: `reader-${randomUUID()}` });
    readers.push(reader);
    await reader.connect();
    await reader.subscribe({ topic: harness.run.topics.resolve(topic), fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        if (message.key && message.value) onRecord(message.key, message.value);
      },
    });
  }

  async function call(
    method: string,
    path: string,
    body?: unknown,
    token: string | null = ADMIN_TOKEN,
  ) {
    const response = await fetch(`${harness.url}${path}`, {
      method,
      headers: {
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: (text ? JSON.parse(text) : undefined) as Record<string, unknown>,
    };
  }

  async function submit(type: string, identifier: { type: string; value: string }) {
    const reply = await call('POST', '/v1/privacy/requests', { type, identifier });
    if (reply.status !== 202) throw new Error(`not accepted: ${JSON.stringify(reply.body)}`);
    return reply.body as unknown as RequestView;
  }

  const view = async (id: string) =>
    (await call('GET', `/v1/privacy/requests/${id}`)).body as unknown as RequestView;

  async function produce(
    topic: string,
    requestId: string,
    schema: 'PrivacyResolution' | 'PrivacyStatus',
    value: PrivacyResolution | PrivacyStatus,
  ) {
    await producer.send({
      topic: harness.run.topics.resolve(topic),
      acks: -1,
      messages: [
        {
          key: harness.codec.encode('PrivacyRequestKey', { requestId }),
          value: harness.codec.encode(schema, value),
        },
      ],
    });
  }

  const report = (
    requestId: string,
    service: string,
    status: 'done' | 'failed',
    detail: string,
    at: number,
  ) =>
    produce(TOPICS.privacyStatuses, requestId, 'PrivacyStatus', {
      requestId,
      service,
      status,
      detail,
      at,
    });

  const resolve = (resolution: PrivacyResolution) =>
    produce(TOPICS.privacyResolutions, resolution.requestId, 'PrivacyResolution', resolution);

  const hashOf = (type: string, value: string) =>
    identifierHash({ type, value }, harness.config.privacyHashKey);

  async function metric(name: string, labels: string): Promise<number> {
    const text = await (await fetch(`${harness.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}`));
    return line ? Number(line.split(' ').pop()) : 0;
  }

  const acceptedWith = (messageId: string) =>
    eventually(() => harness.accepted.find((event) => event.messageId === messageId));

  const isAccepted = (messageId: string) =>
    harness.accepted.some((event) => event.messageId === messageId);

  describe('submitting a request', () => {
    it('answers 202 with the pending request and its Location, and publishes the normalised identifier', async () => {
      const before = Date.now();
      const reply = await call('POST', '/v1/privacy/requests', {
        type: 'suppress_with_delete',
        identifier: { type: 'email', value: ' Ana.Submit@Example.com ' },
      });

      expect(reply.status).toBe(202);
      const body = reply.body as unknown as RequestView;
      expect(body.id).toMatch(/^prq_[A-Za-z0-9_-]{22}$/);
      expect(reply.headers.get('location')).toBe(`/v1/privacy/requests/${body.id}`);
      const pending = { status: 'pending', detail: null, at: null };
      expect(body).toEqual({
        id: body.id,
        type: 'suppress_with_delete',
        identifier: { type: 'email' },
        status: 'pending',
        result: null,
        services: {
          ingestion: pending,
          identity: pending,
          enrichment: pending,
          activation: pending,
        },
        requestedAt: expect.any(String) as string,
        completedAt: null,
      });
      expect(JSON.stringify(body)).not.toMatch(/example\.com/i);

      const record = await eventually(() => requests.find((r) => r.key === body.id));
      expect(record.value).toEqual({
        requestId: body.id,
        type: 'suppress_with_delete',
        identifier: { type: 'email', value: 'ana.submit@example.com' },
        requestedAt: Date.parse(body.requestedAt),
      });
      expect(record.value.requestedAt).toBeGreaterThanOrEqual(before);
      expect(await view(body.id)).toEqual(body);
    });

    it.each([
      [{ type: 'erase', identifier: { type: 'email', value: 'a@b.co' } }, 'type'],
      [{ type: 'delete', identifier: { type: 'email', value: 'a@b.co' }, why: 'x' }, 'why'],
      [{ type: 'delete', identifier: { type: 'email', value: 'a@b.co', x: 1 } }, 'identifier.x'],
      [{ type: 'delete', identifier: { type: 'E-mail', value: 'a@b.co' } }, 'identifier.type'],
      [{ type: 'delete', identifier: { type: 'email', value: 'Ana' } }, 'identifier.value'],
      [{ type: 'delete' }, 'identifier'],
    ])('answers 400 naming the field for %j', async (body, path) => {
      const reply = await call('POST', '/v1/privacy/requests', body);

      expect(reply.status).toBe(400);
      expect(reply.body).toMatchObject({ success: false, error: 'invalid_request', path });
      expect(reply.body.message).toMatch(new RegExp(`^${path.replace('.', '\\.')}`));
    });

    it('says that a value is not an email address', async () => {
      const reply = await call('POST', '/v1/privacy/requests', {
        type: 'delete',
        identifier: { type: 'email', value: 'Ana' },
      });
      expect(reply.body.message).toBe('identifier.value: is not an email address');
    });

    it('answers an Idempotency-Key sent again with the first request (200), published once', async () => {
      const key = randomUUID();
      const body = { type: 'delete', identifier: { type: 'user_id', value: 'u-idempotent' } };
      const send = (payload: unknown) =>
        fetch(`${harness.url}/v1/privacy/requests`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${ADMIN_TOKEN}`,
            'content-type': 'application/json',
            'idempotency-key': key,
          },
          body: JSON.stringify(payload),
        });

      const first = await send(body);
      const again = await send(body);
      const other = await send({ ...body, type: 'suppress' });

      expect([first.status, again.status, other.status]).toEqual([202, 200, 409]);
      const firstView = (await first.json()) as RequestView;
      expect(await again.json()).toEqual(firstView);
      expect(again.headers.get('location')).toBe(`/v1/privacy/requests/${firstView.id}`);
      expect(await other.json()).toMatchObject({ success: false, error: 'idempotency_key_reused' });
      await eventually(() => requests.some((r) => r.key === firstView.id));
      const published = requests.filter(
        (r) => r.value.identifier.value === 'u-idempotent' && r.value.type === 'delete',
      );
      expect(published.map((r) => r.key)).toEqual([firstView.id]);
    });

    it('answers 401 without the admin token, on both routes', async () => {
      const body = { type: 'delete', identifier: { type: 'email', value: 'a@b.co' } };
      const post = await call('POST', '/v1/privacy/requests', body, null);
      const wrong = await call('POST', '/v1/privacy/requests', body, 'not-the-admin-token');
      const get = await call('GET', '/v1/privacy/requests/prq_x', undefined, null);

      for (const reply of [post, wrong, get]) {
        expect(reply.status).toBe(401);
        expect(reply.body).toMatchObject({ success: false, error: 'unauthorized' });
      }
    });

    it('answers 404 with a JSON error for an unknown request', async () => {
      const reply = await call('GET', '/v1/privacy/requests/prq_unknown');

      expect(reply.status).toBe(404);
      expect(reply.body).toEqual({
        success: false,
        error: 'not_found',
        message: 'no privacy request prq_unknown',
      });
    });
  });

  describe('gathering the services statuses', () => {
    const t0 = Date.parse('2026-03-01T10:00:00.000Z');

    it('is done once all four services are done, completed at the last one', async () => {
      const { id } = await submit('delete', { type: 'user_id', value: 'u-done' });
      await report(id, 'identity', 'done', 'deleted 1 profile, 3 identifiers', t0);
      await report(id, 'ingestion', 'done', 'nothing to do for a delete request', t0 + 1);
      await report(id, 'enrichment', 'done', 'deleted 1 profile', t0 + 5_000);
      expect(
        (
          await eventually(async () => {
            const current = await view(id);
            return current.services.enrichment.status === 'done' && current;
          })
        ).status,
      ).toBe('pending');

      await report(id, 'activation', 'done', 'deleted 2 memberships', t0 + 3_000);

      const done = await eventually(async () => {
        const current = await view(id);
        return current.status === 'done' && current;
      });
      expect(done).toMatchObject({
        result: 'done',
        completedAt: new Date(t0 + 5_000).toISOString(),
        services: {
          identity: {
            status: 'done',
            detail: 'deleted 1 profile, 3 identifiers',
            at: new Date(t0).toISOString(),
          },
          activation: { status: 'done', detail: 'deleted 2 memberships' },
        },
      });
    });

    it('is failed when one service failed', async () => {
      const { id } = await submit('delete', { type: 'user_id', value: 'u-failed' });
      await report(id, 'identity', 'done', 'deleted 1 profile', t0);
      await report(id, 'enrichment', 'failed', 'the store did not answer', t0 + 2_000);

      const failed = await eventually(async () => {
        const current = await view(id);
        return current.status === 'failed' && current;
      });
      expect(failed).toMatchObject({
        result: null,
        completedAt: new Date(t0 + 2_000).toISOString(),
        services: { enrichment: { status: 'failed', detail: 'the store did not answer' } },
      });
    });

    it('says nothing found when identity did not know the identifier', async () => {
      const { id } = await submit('delete', { type: 'email', value: 'nobody@example.com' });
      for (const [service, detail] of [
        ['identity', 'nothing found'],
        ['ingestion', 'nothing to do for a delete request'],
        ['enrichment', 'nothing to delete'],
        ['activation', 'nothing to delete'],
      ])
        await report(id, service, 'done', detail, t0);

      const done = await eventually(async () => {
        const current = await view(id);
        return current.status === 'done' && current;
      });
      expect(done.result).toBe('nothing found');
    });

    it('keeps the latest status of a service and ignores unknown services and requests', async () => {
      const { id } = await submit('delete', { type: 'user_id', value: 'u-latest' });
      const unknownRequests = await metric(
        'tessera_ingestion_privacy_statuses_total',
        'service="identity",outcome="unknown_request"',
      );
      await report(id, 'identity', 'failed', 'timed out', t0 + 10_000);
      await report(id, 'identity', 'done', 'deleted 1 profile', t0);
      await report(id, 'billing', 'done', 'deleted everything', t0 + 20_000);
      await report('prq_nobody', 'identity', 'done', 'deleted 1 profile', t0);
      // Records of one request stay in order: once this one is in, the others were handled.
      await report(id, 'activation', 'done', 'deleted 0 deliveries', t0 + 1);

      const current = await eventually(async () => {
        const latest = await view(id);
        return latest.services.activation.status === 'done' && latest;
      });
      expect(current.services.identity).toEqual({
        status: 'failed',
        detail: 'timed out',
        at: new Date(t0 + 10_000).toISOString(),
      });
      expect(Object.keys(current.services)).toEqual([
        'ingestion',
        'identity',
        'enrichment',
        'activation',
      ]);
      await eventually(
        async () =>
          (await metric(
            'tessera_ingestion_privacy_statuses_total',
            'service="identity",outcome="unknown_request"',
          )) ===
          unknownRequests + 1,
        10_000,
        'the unknown request counted',
      );
      expect(
        await metric(
          'tessera_ingestion_privacy_statuses_total',
          'service="unknown",outcome="unknown_service"',
        ),
      ).toBeGreaterThanOrEqual(1);
    });
  });

  describe('suppression', () => {
    const email = 'ana.suppressed@example.com';
    const userId = 'u-ana-suppressed';
    const anonymousId = 'a-ana-suppressed';
    let suppression: PrivacyResolution;

    function events(tag: string): Record<string, Record<string, unknown>> {
      return {
        identifyWithEmail: {
          type: 'identify',
          userId: `u-new-${tag}`,
          traits: { email: 'Ana.Suppressed@Example.com' },
          messageId: randomUUID(),
        },
        trackWithContextEmail: {
          type: 'track',
          anonymousId: `a-new-${tag}`,
          event: 'Viewed',
          context: { traits: { email } },
          messageId: randomUUID(),
        },
        trackByUserId: { type: 'track', userId, event: 'Viewed', messageId: randomUUID() },
        pageByAnonymousId: { type: 'page', anonymousId, name: 'Home', messageId: randomUUID() },
        unrelated: {
          type: 'track',
          userId: `u-bob-${tag}`,
          event: 'Viewed',
          messageId: randomUUID(),
        },
      };
    }

    async function ingestingStatus(requestId: string, count: number) {
      await eventually(
        () =>
          statuses.filter((s) => s.requestId === requestId && s.service === 'ingestion').length >=
          count,
        30_000,
        `${count} ingestion status(es) of ${requestId}`,
      );
      return statuses.filter((s) => s.requestId === requestId && s.service === 'ingestion');
    }

    beforeAll(async () => {
      const { id } = await submit('suppress', { type: 'email', value: email });
      suppression = {
        requestId: id,
        type: 'suppress',
        profileId: 'prof_ana',
        profileIds: ['prof_ana'],
        identifierHashes: [
          hashOf('email', email),
          hashOf('user_id', userId),
          hashOf('anonymous_id', anonymousId),
        ],
        resolvedAt: Date.now(),
      };
      await resolve(suppression);
      await ingestingStatus(id, 1);
    }, 60_000);

    it('reports ingestion as done with what it suppressed, into the stored request', async () => {
      const [status] = await ingestingStatus(suppression.requestId, 1);
      expect(status).toMatchObject({
        service: 'ingestion',
        status: 'done',
        detail: 'suppressed 3 identifiers',
      });

      const current = await eventually(async () => {
        const latest = await view(suppression.requestId);
        return latest.services.ingestion.status === 'done' && latest;
      });
      expect(current.services.ingestion).toEqual({
        status: 'done',
        detail: 'suppressed 3 identifiers',
        at: new Date(status.at).toISOString(),
      });
    });

    it('drops HTTP events carrying a suppressed identifier, answers as usual, and counts them', async () => {
      const counted = await metric(
        'tessera_ingestion_events_suppressed_total',
        `source="${source.id}",channel="http"`,
      );
      const batch = events('http');

      const reply = await harness.post('/v1/batch', source.writeKey, {
        batch: Object.values(batch),
      });
      const single = await harness.post(
        '/v1/track',
        source.writeKey,
        events('single').trackByUserId,
      );

      expect(reply).toMatchObject({
        status: 200,
        body: { success: true, accepted: 5, duplicates: 0 },
      });
      expect(single).toMatchObject({
        status: 200,
        body: { success: true, accepted: 1, duplicates: 0 },
      });
      await acceptedWith(batch.unrelated.messageId as string);
      for (const [name, event] of Object.entries(batch)) {
        expect({ [name]: isAccepted(event.messageId as string) }).toEqual({
          [name]: name === 'unrelated',
        });
      }
      expect(
        await metric(
          'tessera_ingestion_events_suppressed_total',
          `source="${source.id}",channel="http"`,
        ),
      ).toBe(counted + 5);
    });

    it('drops events carrying a suppressed identifier on the raw Kafka path', async () => {
      const batch = events('kafka');
      await producer.send({
        topic: harness.run.topics.resolve(TOPICS.rawEvents),
        acks: -1,
        messages: [batch.trackByUserId, batch.identifyWithEmail, batch.unrelated].map((event) => ({
          key: 'privacy-raw',
          value: Buffer.from(JSON.stringify(event)),
          headers: { [WRITE_KEY_HEADER]: source.writeKey },
        })),
      });

      await acceptedWith(batch.unrelated.messageId as string);
      expect(isAccepted(batch.trackByUserId.messageId as string)).toBe(false);
      expect(isAccepted(batch.identifyWithEmail.messageId as string)).toBe(false);
      expect(
        await metric(
          'tessera_ingestion_events_suppressed_total',
          `source="${source.id}",channel="kafka"`,
        ),
      ).toBe(2);
    });

    it('suppresses on a replica started after the resolution: it loads the list at start', async () => {
      const replica = await harness.startReplica();
      const batch = events('replica');

      const reply = await harness.post(
        '/v1/batch',
        source.writeKey,
        { batch: [batch.trackByUserId, batch.unrelated] },
        'application/json',
        replica.url,
      );

      expect(reply.status).toBe(200);
      await acceptedWith(batch.unrelated.messageId as string);
      expect(isAccepted(batch.trackByUserId.messageId as string)).toBe(false);
    });

    it('picks up within its refresh interval what another replica added to the stored list', async () => {
      const db = (await harness.run.mongoClient()).db(harness.config.mongo.database);
      const stored = {
        _id: hashOf('user_id', 'u-elsewhere'),
        requestId: 'prq_elsewhere',
        at: new Date(),
      };
      await db.collection<{ _id: string }>('suppressions').insertOne(stored);
      await new Promise((resolve) => setTimeout(resolve, REFRESH_MS * 3));
      const batch = events('elsewhere');
      const elsewhere = {
        type: 'track',
        userId: 'u-elsewhere',
        event: 'Viewed',
        messageId: randomUUID(),
      };

      await harness.post('/v1/batch', source.writeKey, { batch: [elsewhere, batch.unrelated] });

      await acceptedWith(batch.unrelated.messageId as string);
      expect(isAccepted(elsewhere.messageId)).toBe(false);
      await db.collection<{ _id: string }>('suppressions').deleteOne({ _id: stored._id });
    });

    it('takes a redelivered resolution without harm: the same list, the same status again', async () => {
      await resolve(suppression);
      const reported = await ingestingStatus(suppression.requestId, 2);

      expect(reported.map((s) => s.detail)).toEqual([
        'suppressed 3 identifiers',
        'suppressed 3 identifiers',
      ]);
      const db = (await harness.run.mongoClient()).db(harness.config.mongo.database);
      expect(await db.collection('suppressions').countDocuments()).toBe(3);
      const batch = events('redelivered');
      await harness.post('/v1/batch', source.writeKey, {
        batch: [batch.trackByUserId, batch.unrelated],
      });
      await acceptedWith(batch.unrelated.messageId as string);
      expect(isAccepted(batch.trackByUserId.messageId as string)).toBe(false);
    });

    it('keeps no clear identifier in any collection of its database', async () => {
      const db = (await harness.run.mongoClient()).db(harness.config.mongo.database);
      const collections = await db.listCollections().toArray();
      expect(collections.map((c) => c.name)).toEqual(
        expect.arrayContaining(['privacy_requests', 'suppressions']),
      );
      for (const { name } of collections) {
        const dump = JSON.stringify(await db.collection(name).find().toArray()).toLowerCase();
        for (const clear of [
          email,
          'ana.submit@example.com',
          'nobody@example.com',
          userId,
          'u-done',
          'u-idempotent',
        ]) {
          expect({ [name]: dump.includes(clear) }).toEqual({ [name]: false });
        }
      }
    });

    it('lets the events through again after an unsuppress resolution', async () => {
      const { id } = await submit('unsuppress', { type: 'user_id', value: userId });
      await resolve({ ...suppression, requestId: id, type: 'unsuppress', resolvedAt: Date.now() });
      const [status] = await ingestingStatus(id, 1);
      expect(status.detail).toBe('lifted the suppression of 3 identifiers');
      // The replica started above may have applied it; this one reloads its list meanwhile.
      await new Promise((resolve) => setTimeout(resolve, REFRESH_MS * 3));

      const batch = events('lifted');
      const reply = await harness.post('/v1/batch', source.writeKey, {
        batch: Object.values(batch),
      });

      expect(reply.body).toMatchObject({ success: true, accepted: 5 });
      const accepted: Event[] = await Promise.all(
        Object.values(batch).map((event) => acceptedWith(event.messageId as string)),
      );
      expect(accepted).toHaveLength(5);
    });
  });

  describe('when Kafka does not take the request', () => {
    let link: BrokerLink;
    let cutOff: IngestionHarness;

    beforeAll(async () => {
      link = await BrokerLink.open(process.env.KAFKA_BROKERS!.split(',')[0]);
      cutOff = await IngestionHarness.start('privacy-outage', {
        KAFKA_BROKERS: link.address,
        INGEST_PUBLISH_TIMEOUT_MS: '1500',
      });
    }, 60_000);

    afterAll(async () => {
      // Closed while its consumers are still restarting, the service would keep this process alive.
      link.up();
      await eventually(
        async () => (await fetch(`${cutOff.url}/health/ready`)).status === 200,
        60_000,
        'service ready again',
      );
      await cutOff.close();
      await link.close();
    }, 90_000);

    it('answers 503 with Retry-After and keeps nothing of the request', async () => {
      link.down();
      const response = await fetch(`${cutOff.url}/v1/privacy/requests`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          type: 'delete',
          identifier: { type: 'user_id', value: 'u-outage' },
        }),
      });

      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('5');
      expect(await response.json()).toEqual({
        success: false,
        error: 'unavailable',
        message: 'Kafka did not acknowledge the privacy request; nothing was recorded, retry later',
      });
      const db = (await cutOff.run.mongoClient()).db(cutOff.config.mongo.database);
      expect(await db.collection('privacy_requests').countDocuments()).toBe(0);
    });
  });
});
