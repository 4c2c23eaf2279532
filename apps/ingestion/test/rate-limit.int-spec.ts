import { eventually } from '@tessera/testing';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunningService } from '@tessera/platform-service';
import { HEARTBEAT_MS } from '../src/replicas/replica-registry';
import { IngestionHarness } from './ingestion-harness';

const call = (userId = 'u-rate') => ({ userId, event: 'Clicked', messageId: randomUUID() });

describe('per-source rate limits', () => {
  describe('with a default of 5 events per second and a burst of 5', () => {
    let harness: IngestionHarness;

    beforeAll(async () => {
      harness = await IngestionHarness.start('rate-limit', {
        INGEST_RATE_LIMIT_EVENTS_PER_SECOND: '5',
        INGEST_RATE_LIMIT_BURST: '5',
      });
    }, 60_000);

    afterAll(() => harness.close());

    /**
     * Sends the calls at once, so that they all fall within the same fraction of a second. An empty
     * batch first puts the source in the service's cache without taking a token, so that store
     * lookups do not spread the calls over enough time for the bucket to refill.
     */
    async function sendAll(writeKey: string, calls: Record<string, unknown>[]) {
      const warm = await harness.post('/v1/batch', writeKey, { batch: [] });
      if (warm.status !== 200) throw new Error(`warm-up answered ${warm.status}`);
      return Promise.all(calls.map((body) => harness.post('/v1/track', writeKey, body)));
    }

    it('answers the sixth event within the second with 429, Retry-After and a JSON body', async () => {
      const source = await harness.createSource();
      const responses = await sendAll(
        source.writeKey,
        Array.from({ length: 6 }, () => call()),
      );
      expect(responses.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 429]);
      const limited = responses.find((r) => r.status === 429)!;
      const retryAfter = limited.headers.get('retry-after');
      expect(retryAfter).toMatch(/^[1-9][0-9]*$/);
      expect(limited.body).toMatchObject({
        success: false,
        error: 'rate_limited',
        retryAfter: Number(retryAfter),
      });
    });

    it('accepts the limited event once the client waited Retry-After seconds', async () => {
      const source = await harness.createSource();
      const calls = Array.from({ length: 6 }, () => call());
      const responses = await sendAll(source.writeKey, calls);
      const index = responses.findIndex((r) => r.status === 429);
      expect(index).toBeGreaterThanOrEqual(0);
      await sleep(Number(responses[index].headers.get('retry-after')) * 1000);
      const retry = await harness.post('/v1/track', source.writeKey, calls[index]);
      expect(retry.status).toBe(200);
      expect(retry.body).toEqual({ success: true, accepted: 1, duplicates: 0 });
      const { messageId } = calls[index];
      await eventually(() => harness.accepted.some((e) => e.messageId === messageId));
    });

    it('applies the limit to each source on its own', async () => {
      const [busy, quiet] = [await harness.createSource(), await harness.createSource()];
      await sendAll(
        busy.writeKey,
        Array.from({ length: 6 }, () => call()),
      );
      const responses = await sendAll(
        quiet.writeKey,
        Array.from({ length: 5 }, () => call()),
      );
      expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    });

    it('lets a source go faster once its own higher limit is set through the admin API', async () => {
      const source = await harness.createSource();
      const set = await harness.admin('PUT', `/admin/sources/${source.id}/rate-limit`, {
        eventsPerSecond: 1000,
        burst: 50,
      });
      expect(set).toMatchObject({
        status: 200,
        body: { rateLimit: { eventsPerSecond: 1000, burst: 50 } },
      });
      const responses = await sendAll(
        source.writeKey,
        Array.from({ length: 20 }, () => call()),
      );
      expect(responses.every((r) => r.status === 200)).toBe(true);
    });

    it('holds a source to its own lower limit set through the admin API', async () => {
      const source = await harness.createSource();
      await harness.admin('PUT', `/admin/sources/${source.id}/rate-limit`, {
        eventsPerSecond: 1,
        burst: 2,
      });
      const responses = await sendAll(
        source.writeKey,
        Array.from({ length: 3 }, () => call()),
      );
      expect(responses.map((r) => r.status).sort()).toEqual([200, 200, 429]);
    });

    it('counts a batch as its number of events', async () => {
      const source = await harness.createSource();
      // A slow refill, so that the time the first batch takes does not matter.
      await harness.admin('PUT', `/admin/sources/${source.id}/rate-limit`, {
        eventsPerSecond: 1,
        burst: 5,
      });
      const first = await harness.post('/v1/batch', source.writeKey, {
        batch: Array.from({ length: 5 }, () => ({ type: 'track', ...call() })),
      });
      expect(first.status).toBe(200);
      const second = await harness.post('/v1/batch', source.writeKey, {
        batch: [{ type: 'track', ...call() }],
      });
      expect(second.status).toBe(429);
    });

    it('forwards none of the events of a rate-limited request', async () => {
      const source = await harness.createSource();
      const calls = Array.from({ length: 6 }, () => call(`u-${randomUUID()}`));
      const responses = await sendAll(source.writeKey, calls);
      const limited = calls[responses.findIndex((r) => r.status === 429)];
      const marker = randomUUID();
      await sleep(1_000);
      // The marker shares the limited call's user, so its partition: once it is read, so is a copy.
      await harness.post('/v1/track', source.writeKey, {
        userId: limited.userId,
        event: 'Marker',
        messageId: marker,
      });
      await eventually(() => harness.accepted.some((e) => e.messageId === marker));
      expect(harness.accepted.some((e) => e.messageId === limited.messageId)).toBe(false);
    });
  });

  describe('with two replicas and a default of 10 events per second, burst 10', () => {
    let harness: IngestionHarness;
    let replica: RunningService;

    beforeAll(async () => {
      harness = await IngestionHarness.start('rate-limit-replicas', {
        INGEST_RATE_LIMIT_EVENTS_PER_SECOND: '10',
        INGEST_RATE_LIMIT_BURST: '10',
      });
      replica = await harness.startReplica();
      // Each replica counts the other at its next heartbeat.
      await sleep(HEARTBEAT_MS + 500);
    }, 60_000);

    afterAll(() => harness.close());

    const send = (baseUrl: string, writeKey: string, count: number) =>
      Promise.all(
        Array.from({ length: count }, () =>
          harness.post('/v1/track', writeKey, call(), 'application/json', baseUrl),
        ),
      );

    it('gives each replica half of the limit, so the source gets its limit in total', async () => {
      const source = await harness.createSource();
      for (const url of [harness.url, replica.url]) {
        const warm = await harness.post(
          '/v1/batch',
          source.writeKey,
          { batch: [] },
          undefined,
          url,
        );
        expect(warm.status).toBe(200);
      }
      const [first, second] = await Promise.all([
        send(harness.url, source.writeKey, 8),
        send(replica.url, source.writeKey, 8),
      ]);
      const statuses = (responses: { status: number }[]) => responses.map((r) => r.status).sort();
      expect(statuses(first)).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
      expect(statuses(second)).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
    });
  });

  describe('with no limit configured', () => {
    let harness: IngestionHarness;

    beforeAll(async () => {
      harness = await IngestionHarness.start('rate-limit-off');
    }, 60_000);

    afterAll(() => harness.close());

    it('accepts 100 quick requests of one source', async () => {
      const source = await harness.createSource();
      const calls = Array.from({ length: 100 }, () => call());
      const responses = await Promise.all(
        calls.map((body) => harness.post('/v1/track', source.writeKey, body)),
      );
      expect(responses.filter((r) => r.status !== 200)).toEqual([]);
      await eventually(() => harness.acceptedFrom(source.id).length === 100);
    });
  });
});
