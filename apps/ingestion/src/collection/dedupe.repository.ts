import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { MongoBulkWriteError } from 'mongodb';
import type { Model } from 'mongoose';
import { randomUUID } from 'node:crypto';
import { DEDUPE_MODEL, type DedupeDocument } from './dedupe.schema';

const DUPLICATE_KEY = 11000;
/** Reads of keys seen before in flight at once (each is one `_id` read). */
const LOOKUP_CONCURRENCY = 16;

export interface ClaimResult {
  /** Acknowledge it once Kafka acknowledged the forwarded events. */
  requestId: string;
  /** Keys acknowledged by Kafka within the window: not to be forwarded again. */
  duplicates: Set<string>;
}

const claimId = (key: string) => `c:${key}`;
const ackId = (requestId: string) => `a:${requestId}`;

/**
 * The messageId window shared by all replicas. A request claims its keys by inserting them on a
 * unique `_id`, so two replicas cannot both take a key as new; once Kafka acknowledged its events
 * it writes one acknowledgement entry for the whole request. A key is a duplicate only when the
 * request holding it was acknowledged, so a request that failed half-way (or a replica that
 * crashed) never turns the client's retry into a "duplicate": the retry takes the claim over.
 * The hot path is one insert per event and one per request; `_id` reads only for keys seen before.
 */
@Injectable()
export class DedupeRepository {
  constructor(@InjectModel(DEDUPE_MODEL) private readonly model: Model<DedupeDocument>) {}

  async claim(keys: string[], now: Date, windowMs: number): Promise<ClaimResult> {
    const requestId = randomUUID();
    const conflicts = await this.insertClaims(keys, requestId, now);
    const duplicates = new Set<string>();
    if (conflicts.length === 0) return { requestId, duplicates };

    const windowStart = now.getTime() - windowMs;
    await this.inSlices(conflicts, async (key) => {
      const claim = await this.model.collection.findOne<DedupeDocument>({
        _id: claimId(key),
      } as object);
      const acknowledged = claim?.r !== undefined && (await this.isAcknowledged(claim.r));
      if (claim && acknowledged && claim.at.getTime() > windowStart) {
        duplicates.add(key);
        return;
      }
      // Expired, or held by a request that was never acknowledged: this request takes it over.
      // Losing that race to another retry only means both forward: a duplicate, never a loss.
      await this.model.collection.replaceOne(
        { _id: claimId(key) } as object,
        { at: now, r: requestId },
        { upsert: true },
      );
    });
    return { requestId, duplicates };
  }

  /** Records that Kafka acknowledged every event the request claimed. */
  async acknowledge(requestId: string, now = new Date()): Promise<void> {
    await this.model.collection.insertOne({ _id: ackId(requestId), at: now } as never);
  }

  async sweep(before: Date): Promise<number> {
    const result = await this.model.collection.deleteMany({ at: { $lt: before } });
    return result.deletedCount;
  }

  private async isAcknowledged(requestId: string): Promise<boolean> {
    return (await this.model.collection.findOne({ _id: ackId(requestId) } as object)) !== null;
  }

  /** Inserts a claim per key; returns the keys that were already claimed. */
  private async insertClaims(keys: string[], requestId: string, at: Date): Promise<string[]> {
    if (keys.length === 0) return [];
    try {
      await this.model.collection.insertMany(
        keys.map((key) => ({ _id: claimId(key), at, r: requestId })) as never[],
        { ordered: false },
      );
      return [];
    } catch (error) {
      // Checked by shape: the driver mongoose loads may be another copy than ours.
      const { code, writeErrors: raw } = error as MongoBulkWriteError;
      if (code !== DUPLICATE_KEY && raw === undefined) throw error;
      const writeErrors = (Array.isArray(raw) ? raw : [raw]) as { code: number; index: number }[];
      if (writeErrors.some((writeError) => writeError.code !== DUPLICATE_KEY)) throw error;
      return writeErrors.map((writeError) => keys[writeError.index]);
    }
  }

  private async inSlices(keys: string[], work: (key: string) => Promise<void>): Promise<void> {
    for (let start = 0; start < keys.length; start += LOOKUP_CONCURRENCY) {
      await Promise.all(keys.slice(start, start + LOOKUP_CONCURRENCY).map(work));
    }
  }
}
