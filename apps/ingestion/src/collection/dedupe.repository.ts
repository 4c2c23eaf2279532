import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { InsertBatcher, type InsertTarget } from '@tessera/platform-mongo';
import type { Model } from 'mongoose';
import { hash, randomUUID } from 'node:crypto';
import { DEDUPE_MODEL, type DedupeDocument } from './dedupe.schema';

/** Ids per `_id $in` read (FerretDB pushes down up to 10,000). */
const LOOKUP_BATCH = 1_000;
/** Take-overs of one key recorded at most (each needs a failed or expired holder before it). */
const MAX_GENERATION = 8;
const POLL_MS = { first: 50, max: 500 };

export interface ClaimOptions {
  /** The dedupe window: a key acknowledged less than this long ago is a duplicate. */
  windowMs: number;
  /**
   * How long a claim whose request has not been acknowledged yet may still be in flight: a
   * request that meets such a claim waits for the holder's outcome up to this age of the claim.
   */
  leaseMs: number;
}

export interface ClaimResult {
  /** Acknowledge it once Kafka acknowledged the forwarded events. */
  requestId: string;
  /** Keys acknowledged by Kafka within the window: not to be forwarded again. */
  duplicates: Set<string>;
}

/**
 * A key's digest: SHA-256 cut to 22 base64url characters (132 bits). Short ids keep the store's `_id` index small
 * (FerretDB costs more per insert with long ids), and the store never holds messageIds in clear.
 */
const digestOf = (key: string) => hash('sha256', key, 'base64url').slice(0, 22);

/** Generation 0 is `c:<digest>`; a take-over inserts the next generation, `c<n>:<digest>`. */
const claimId = (key: string, generation = 0) =>
  generation === 0 ? `c:${key}` : `c${generation}:${key}`;
const ackId = (requestId: string) => `a:${requestId}`;
const failedId = (requestId: string) => `f:${requestId}`;

type Verdict = 'duplicate' | 'take-over' | 'wait';

/**
 * The messageId window shared by all replicas, built from inserts on a unique `_id` only (no
 * transactions, and the one atomic operation every store offers, FerretDB included):
 * - a request claims each key (`<sourceId>:<messageId>`, as a digest) by inserting `c:<digest>`
 *   with its request id; two replicas cannot
 *   both insert it;
 * - once Kafka acknowledged its events, the request inserts one acknowledgement `a:<request>`;
 * - a request whose insert meets an existing claim reads it: acknowledged within the window, the
 *   key is a duplicate; held by a request that may still be in flight (younger than the lease),
 *   it waits for that request's outcome; held by a request that failed (said so with `f:<request>`,
 *   or was not acknowledged within the lease) or acknowledged before the window, it takes the key over by inserting the next
 *   generation `c<n>:<digest>`, which again only one request can do.
 * So concurrent copies of an event on several replicas are forwarded once, and a failed request
 * (or a crashed replica) never turns the client's retry into a "duplicate". What remains is
 * at-least-once: a holder that timed out but whose events reached Kafka after its lease is
 * forwarded again by the request that took over.
 */
@Injectable()
export class DedupeRepository implements BeforeApplicationShutdown {
  /** Claims and acknowledgements of concurrent requests go to the store in shared writes. */
  private readonly inserts: InsertBatcher<DedupeDocument>;
  private readonly acknowledging = new Set<Promise<void>>();

  constructor(@InjectModel(DEDUPE_MODEL) private readonly model: Model<DedupeDocument>) {
    this.inserts = new InsertBatcher(model.collection as unknown as InsertTarget<DedupeDocument>);
  }

  async claim(keys: string[], now: Date, options: ClaimOptions): Promise<ClaimResult> {
    const requestId = randomUUID();
    const digests = keys.map(digestOf);
    const inserted = await this.inserts.insert(
      digests.map((digest) => ({ _id: claimId(digest), at: now, r: requestId })),
    );
    const duplicates = new Set<string>();
    if (inserted.length === 0) return { requestId, duplicates };
    const keyOf = new Map(digests.map((digest, index) => [digest, keys[index]]));
    let open = inserted.map((index) => digests[index]);
    let pause = POLL_MS.first;
    while (open.length > 0) {
      const verdicts = await this.judge(open, Date.now(), options);
      const takeOver = [...verdicts].filter(([, v]) => v.verdict === 'take-over');
      for (const [digest, { verdict }] of verdicts)
        if (verdict === 'duplicate') duplicates.add(keyOf.get(digest) as string);
      const lost = await this.takeOver(takeOver, requestId, now);
      open = [
        ...[...verdicts].filter(([, v]) => v.verdict === 'wait').map(([key]) => key),
        ...lost,
      ];
      if (open.length === 0) break;
      await delay(pause);
      pause = Math.min(pause * 2, POLL_MS.max);
    }
    return { requestId, duplicates };
  }

  /**
   * Records that the request failed (Kafka did not acknowledge in time): its claims can be taken
   * over at once instead of after the lease. An acknowledgement that still arrives later wins.
   */
  async release(requestId: string, now = new Date()): Promise<void> {
    await this.inserts.insert([{ _id: failedId(requestId), at: now }]);
  }

  /**
   * Records that Kafka acknowledged every event the request claimed. Callers need not wait for
   * it: until it is written, a copy of the request waits for it as for a holder in flight, and
   * shutdown waits for the acknowledgements still being written.
   */
  acknowledge(requestId: string, now = new Date()): Promise<void> {
    const written = this.inserts.insert([{ _id: ackId(requestId), at: now }]).then(() => undefined);
    this.acknowledging.add(written);
    void written.catch(() => undefined).finally(() => this.acknowledging.delete(written));
    return written;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.acknowledging]);
  }

  async sweep(before: Date): Promise<number> {
    const result = await this.model.collection.deleteMany({ at: { $lt: before } });
    return result.deletedCount;
  }

  /** What to do with keys another request holds, from their latest claims and those claims' requests. */
  private async judge(
    keys: string[],
    now: number,
    { windowMs, leaseMs }: ClaimOptions,
  ): Promise<Map<string, { verdict: Verdict; generation: number }>> {
    const claims = await this.findByIds(
      keys.flatMap((key) => generations().map((generation) => claimId(key, generation))),
    );
    const latest = new Map<string, { claim: DedupeDocument; generation: number }>();
    for (const key of keys) {
      for (const generation of generations().reverse()) {
        const claim = claims.get(claimId(key, generation));
        if (claim) {
          latest.set(key, { claim, generation });
          break;
        }
      }
    }
    const holders = [...new Set([...latest.values()].flatMap(({ claim }) => claim.r ?? []))];
    const outcomes = await this.findByIds(holders.flatMap((r) => [ackId(r), failedId(r)]));
    const verdicts = new Map<string, { verdict: Verdict; generation: number }>();
    for (const key of keys) {
      const found = latest.get(key);
      // Swept between our insert and this read: the next round inserts generation 0 again.
      if (!found) {
        verdicts.set(key, { verdict: 'take-over', generation: -1 });
        continue;
      }
      const { claim, generation } = found;
      const age = now - claim.at.getTime();
      const holder = claim.r ?? '';
      const verdict: Verdict = outcomes.has(ackId(holder))
        ? age < windowMs
          ? 'duplicate'
          : 'take-over'
        : age < leaseMs && !outcomes.has(failedId(holder))
          ? 'wait'
          : 'take-over';
      verdicts.set(key, { verdict, generation });
    }
    return verdicts;
  }

  /**
   * Inserts the next generation of each key's claim for this request; returns the keys another
   * request took over first (to be judged again). Past the last generation the key is forwarded
   * without a claim: a later copy may be forwarded again, never lost.
   */
  private async takeOver(
    keys: [string, { generation: number }][],
    requestId: string,
    now: Date,
  ): Promise<string[]> {
    const claimable = keys.filter(([, { generation }]) => generation < MAX_GENERATION);
    const refused = await this.inserts.insert(
      claimable.map(([key, { generation }]) => ({
        _id: claimId(key, generation + 1),
        at: now,
        r: requestId,
      })),
    );
    return refused.map((index) => claimable[index][0]);
  }

  /** The entries with these ids, by id: `_id $in` reads (an index range on MongoDB and on our FerretDB build). */
  private async findByIds(ids: string[]): Promise<Map<string, DedupeDocument>> {
    const found = new Map<string, DedupeDocument>();
    for (let start = 0; start < ids.length; start += LOOKUP_BATCH) {
      const entries = await this.model.collection
        .find<DedupeDocument>({ _id: { $in: ids.slice(start, start + LOOKUP_BATCH) } } as object)
        .toArray();
      for (const entry of entries) found.set(entry._id, entry);
    }
    return found;
  }
}

const generations = () => Array.from({ length: MAX_GENERATION + 1 }, (_, generation) => generation);
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
