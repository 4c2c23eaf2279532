import type { RunningService } from '@tessera/platform-service';
import { eventually } from '@tessera/testing';
import { randomUUID } from 'node:crypto';
import { IngestionHarness } from './ingestion-harness';

/** Deduplication by messageId holds across replicas: two services on one database and topics. */
describe('deduplication with two replicas', () => {
  let harness: IngestionHarness;
  let replica: RunningService;
  let source: { id: string; writeKey: string };

  beforeAll(async () => {
    harness = await IngestionHarness.start('dedupe-replicas');
    replica = await harness.startReplica();
    source = await harness.createSource();
  }, 90_000);

  afterAll(() => harness.close());

  /** Events of one user (one partition, so a marker sent after them is read after them). */
  const batchOf = (userId: string, count: number) => ({
    batch: Array.from({ length: count }, (_, n) => ({
      type: 'track',
      userId,
      event: 'Copied',
      properties: { n },
      messageId: `${userId}-${n}`,
    })),
  });

  /** Waits until a marker sent after everything else is on the topic, then counts by messageId. */
  async function forwardedOf(userId: string): Promise<Map<string, number>> {
    const marker = randomUUID();
    await harness.post('/v1/track', source.writeKey, {
      userId,
      event: 'Marker',
      messageId: marker,
    });
    await eventually(() => harness.accepted.some((e) => e.messageId === marker));
    const counts = new Map<string, number>();
    for (const event of harness.acceptedFrom(source.id)) {
      if (event.userId === userId && event.event === 'Copied')
        counts.set(event.messageId, (counts.get(event.messageId) ?? 0) + 1);
    }
    return counts;
  }

  it('forwards each event once when copies of a batch reach both replicas at the same moment', async () => {
    const userId = `copies-${randomUUID()}`;
    const body = batchOf(userId, 40);
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, n) =>
        harness.post(
          '/v1/batch',
          source.writeKey,
          body,
          'application/json',
          n % 2 ? replica.url : harness.url,
        ),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(8).fill(200));
    const accepted = responses.reduce((sum, r) => sum + (r.body.accepted as number), 0);
    const duplicates = responses.reduce((sum, r) => sum + (r.body.duplicates as number), 0);
    expect(accepted).toBe(40);
    expect(duplicates).toBe(7 * 40);
    const counts = await forwardedOf(userId);
    expect(counts.size).toBe(40);
    expect([...counts.values()].every((count) => count === 1)).toBe(true);
  });

  it('answers a retry on the other replica as a duplicate once the first copy was accepted', async () => {
    const userId = `retry-${randomUUID()}`;
    const body = batchOf(userId, 5);
    const first = await harness.post('/v1/batch', source.writeKey, body);
    const retry = await harness.post(
      '/v1/batch',
      source.writeKey,
      body,
      'application/json',
      replica.url,
    );
    expect(first.body).toMatchObject({ accepted: 5, duplicates: 0 });
    expect(retry.body).toMatchObject({ success: true, accepted: 0, duplicates: 5 });
    expect([...(await forwardedOf(userId)).values()]).toEqual([1, 1, 1, 1, 1]);
  });
});
