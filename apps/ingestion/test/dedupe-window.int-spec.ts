import { TestRun } from '@tessera/testing';
import { createConnection, type Connection } from 'mongoose';
import { randomUUID } from 'node:crypto';
import { DedupeRepository, type ClaimOptions } from '../src/collection/dedupe.repository';
import { DEDUPE_MODEL, DedupeSchema, type DedupeDocument } from '../src/collection/dedupe.schema';

/** The rules of the shared messageId window, on the real store, request by request. */
describe('the dedupe window', () => {
  const run = TestRun.create('dedupe-window');
  let connection: Connection;
  let dedupe: DedupeRepository;
  const options: ClaimOptions = { windowMs: 60_000, leaseMs: 5_000 };

  beforeAll(async () => {
    connection = await createConnection(run.mongoUri, {
      dbName: run.database('tessera_dedupe_window'),
    }).asPromise();
    dedupe = new DedupeRepository(connection.model<DedupeDocument>(DEDUPE_MODEL, DedupeSchema));
  });

  afterAll(async () => {
    await connection?.close();
    await run.cleanup();
  });

  const keys = (count: number) => Array.from({ length: count }, () => `src:${randomUUID()}`);

  it('takes new keys, and answers keys of an acknowledged request as duplicates', async () => {
    const batch = keys(3);
    const first = await dedupe.claim(batch, new Date(), options);
    expect(first.duplicates.size).toBe(0);
    await dedupe.acknowledge(first.requestId);
    const again = await dedupe.claim([batch[1], ...keys(1)], new Date(), options);
    expect([...again.duplicates]).toEqual([batch[1]]);
  });

  it('waits for a holder still in flight and answers duplicate once it is acknowledged', async () => {
    const batch = keys(2);
    const holder = await dedupe.claim(batch, new Date(), options);
    let settled = false;
    const waiting = dedupe.claim(batch, new Date(), options).finally(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(settled).toBe(false);
    await dedupe.acknowledge(holder.requestId);
    expect([...(await waiting).duplicates].sort()).toEqual([...batch].sort());
  });

  it('takes over at once the keys of a request that said it failed', async () => {
    const batch = keys(2);
    const failed = await dedupe.claim(batch, new Date(), options);
    await dedupe.release(failed.requestId);
    const retry = await dedupe.claim(batch, new Date(), { ...options, leaseMs: 60_000 });
    expect(retry.duplicates.size).toBe(0);
    await dedupe.acknowledge(retry.requestId);
    // The take-over is what later copies meet.
    const later = await dedupe.claim(batch, new Date(), options);
    expect(later.duplicates.size).toBe(2);
  });

  it('takes over the keys of a holder that stayed silent past the lease', async () => {
    const batch = keys(1);
    await dedupe.claim(batch, new Date(), options);
    const retry = await dedupe.claim(batch, new Date(), { ...options, leaseMs: 400 });
    expect(retry.duplicates.size).toBe(0);
  });

  it('lets exactly one of two concurrent retries take over a failed claim', async () => {
    const batch = keys(1);
    const failed = await dedupe.claim(batch, new Date(), options);
    await dedupe.release(failed.requestId);
    const [a, b] = [
      dedupe.claim(batch, new Date(), options),
      dedupe.claim(batch, new Date(), options),
    ];
    // One wins the take-over at once; the other waits for the winner's outcome.
    const winner = await Promise.race([a, b]);
    expect(winner.duplicates.size).toBe(0);
    await dedupe.acknowledge(winner.requestId);
    const both = await Promise.all([a, b]);
    expect(both.map((result) => result.duplicates.size).sort()).toEqual([0, 1]);
  });

  it('forwards a key again once its acknowledgement is older than the window', async () => {
    const batch = keys(1);
    const first = await dedupe.claim(batch, new Date(Date.now() - 120_000), options);
    await dedupe.acknowledge(first.requestId);
    const after = await dedupe.claim(batch, new Date(), options);
    expect(after.duplicates.size).toBe(0);
    await dedupe.acknowledge(after.requestId);
    expect((await dedupe.claim(batch, new Date(), options)).duplicates.size).toBe(1);
  });

  it('sweeps entries older than a cut-off', async () => {
    const old = await dedupe.claim(keys(2), new Date(Date.now() - 3_600_000), options);
    await dedupe.acknowledge(old.requestId, new Date(Date.now() - 3_600_000));
    const model = connection.model<DedupeDocument>(DEDUPE_MODEL);
    const before = await model.countDocuments();
    expect(await dedupe.sweep(new Date(Date.now() - 1_800_000))).toBe(3);
    expect(await model.countDocuments()).toBe(before - 3);
  });
});
