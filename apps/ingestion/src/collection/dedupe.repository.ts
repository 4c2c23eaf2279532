import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { MongoBulkWriteError } from 'mongodb';
import type { Model } from 'mongoose';
import { DEDUPE_MODEL, type DedupeDocument } from './dedupe.schema';

const DUPLICATE_KEY = 11000;
/** Lookups of conflicting keys in flight at once (each is one `_id` read). */
const LOOKUP_CONCURRENCY = 16;

export interface ClaimResult {
  /** Keys to forward: confirm them once Kafka acknowledged, release them if it did not. */
  claimed: string[];
  /** Keys acknowledged by Kafka within the window: not to be forwarded again. */
  duplicates: Set<string>;
}

const claimId = (key: string) => `c:${key}`;
const ackId = (key: string) => `k:${key}`;

/**
 * The messageId window shared by all replicas. A claim is an insert on a unique `_id`, so two
 * replicas cannot both take a key as new; an acknowledgement entry is written only after Kafka
 * acknowledged the event, so a request that failed half-way (or a replica that crashed) never
 * turns its own retry into a "duplicate". The hot path is two inserts; reads by `_id` happen only
 * for keys seen before.
 */
@Injectable()
export class DedupeRepository {
  constructor(@InjectModel(DEDUPE_MODEL) private readonly model: Model<DedupeDocument>) {}

  async claim(keys: string[], now: Date, windowMs: number): Promise<ClaimResult> {
    if (keys.length === 0) return { claimed: [], duplicates: new Set() };
    const conflicts = await this.insertAll(keys.map(claimId), now);
    if (conflicts.size === 0) return { claimed: keys, duplicates: new Set() };

    const windowStart = now.getTime() - windowMs;
    const seenBefore = keys.filter((key) => conflicts.has(claimId(key)));
    const acks = await this.findAcks(seenBefore);
    const duplicates = new Set(
      seenBefore.filter((key) => (acks.get(key)?.getTime() ?? -Infinity) > windowStart),
    );
    // An acknowledgement older than the window starts a new one: forget it and claim again.
    const expired = seenBefore.filter((key) => acks.has(key) && !duplicates.has(key));
    if (expired.length > 0) {
      await this.model.collection.deleteMany({
        _id: { $in: expired.flatMap((key) => [claimId(key), ackId(key)]) },
      } as object);
      await this.insertAll(expired.map(claimId), now);
    }
    // A claim without acknowledgement belongs to a request in flight or one that failed:
    // forwarding again risks a duplicate downstream (consumers are idempotent), never a loss.
    return { claimed: keys.filter((key) => !duplicates.has(key)), duplicates };
  }

  /** Records that Kafka acknowledged these keys' events. */
  async confirm(keys: string[], now = new Date()): Promise<void> {
    await this.insertAll(keys.map(ackId), now);
  }

  /** Gives up claims whose events were not forwarded, so the client's retry is not a "duplicate". */
  async release(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.model.collection.deleteMany({ _id: { $in: keys.map(claimId) } } as object);
  }

  async sweep(before: Date): Promise<number> {
    const result = await this.model.collection.deleteMany({ at: { $lt: before } });
    return result.deletedCount;
  }

  /** Inserts every id not yet there; returns the ids that already existed. */
  private async insertAll(ids: string[], at: Date): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    try {
      await this.model.collection.insertMany(ids.map((_id) => ({ _id, at })) as never[], {
        ordered: false,
      });
      return new Set();
    } catch (error) {
      // Checked by shape: the driver mongoose loads may be another copy than ours.
      const { code, writeErrors: raw } = error as MongoBulkWriteError;
      if (code !== DUPLICATE_KEY && raw === undefined) throw error;
      const writeErrors = (Array.isArray(raw) ? raw : [raw]) as { code: number; index: number }[];
      if (writeErrors.some((writeError) => writeError.code !== DUPLICATE_KEY)) throw error;
      return new Set(writeErrors.map((writeError) => ids[writeError.index]));
    }
  }

  /** When each key was acknowledged, if it was; one `_id` read per key. */
  private async findAcks(keys: string[]): Promise<Map<string, Date>> {
    const acks = new Map<string, Date>();
    for (let start = 0; start < keys.length; start += LOOKUP_CONCURRENCY) {
      const slice = keys.slice(start, start + LOOKUP_CONCURRENCY);
      const found = await Promise.all(
        slice.map((key) =>
          this.model.collection.findOne<DedupeDocument>({ _id: ackId(key) } as object),
        ),
      );
      found.forEach((entry, i) => entry && acks.set(slice[i], entry.at));
    }
    return acks;
  }
}
