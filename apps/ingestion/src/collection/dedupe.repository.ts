import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { MongoBulkWriteError } from 'mongodb';
import type { Model } from 'mongoose';
import { DEDUPE_MODEL, type DedupeDocument } from './dedupe.schema';

const DUPLICATE_KEY = 11000;

export interface ClaimResult {
  /** Keys to forward: confirm them once Kafka acknowledged, release them if it did not. */
  claimed: string[];
  /** Keys confirmed within the window: already forwarded, not to be forwarded again. */
  duplicates: Set<string>;
}

/**
 * The messageId window shared by all replicas. A claim is an insert on a unique `_id`, so two
 * replicas cannot both see a key as new; it is confirmed only after Kafka acknowledged the event,
 * so a request that failed half-way never turns its own retry into a "duplicate".
 */
@Injectable()
export class DedupeRepository {
  constructor(@InjectModel(DEDUPE_MODEL) private readonly model: Model<DedupeDocument>) {}

  async claim(keys: string[], now: Date, windowMs: number): Promise<ClaimResult> {
    if (keys.length === 0) return { claimed: [], duplicates: new Set() };
    const conflicts = await this.insertNew(keys, now);
    if (conflicts.length === 0) return { claimed: keys, duplicates: new Set() };

    const windowStart = new Date(now.getTime() - windowMs);
    const existing = await this.model.collection
      .find<DedupeDocument>({ _id: { $in: conflicts } } as object)
      .toArray();
    const duplicates = new Set(
      existing
        .filter((entry) => entry.confirmed && entry.at > windowStart)
        .map((entry) => entry._id),
    );
    // An expired entry starts a new window; an unconfirmed one belongs to a request still in
    // flight or one that failed: forwarding again risks a duplicate downstream, never a loss.
    await this.model.collection.updateMany(
      { _id: { $in: conflicts }, at: { $lte: windowStart } } as object,
      { $set: { at: now, confirmed: false } },
    );
    return { claimed: keys.filter((key) => !duplicates.has(key)), duplicates };
  }

  async confirm(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.model.collection.updateMany({ _id: { $in: keys } } as object, {
      $set: { confirmed: true },
    });
  }

  /** Gives up claims whose events were not forwarded, so a retry is not taken for a duplicate. */
  async release(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.model.collection.deleteMany({ _id: { $in: keys }, confirmed: false } as object);
  }

  async sweep(before: Date): Promise<number> {
    const result = await this.model.collection.deleteMany({ at: { $lt: before } });
    return result.deletedCount;
  }

  /** Inserts every key; returns the ones that already existed. */
  private async insertNew(keys: string[], now: Date): Promise<string[]> {
    try {
      await this.model.collection.insertMany(
        keys.map((_id) => ({ _id, at: now, confirmed: false })) as never[],
        { ordered: false },
      );
      return [];
    } catch (error) {
      // Checked by shape as well: the driver mongoose loads may be another copy than ours.
      if (
        !(error instanceof MongoBulkWriteError) &&
        (error as { code?: number }).code !== DUPLICATE_KEY
      )
        throw error;
      const { writeErrors: raw } = error as MongoBulkWriteError;
      const writeErrors = (Array.isArray(raw) ? raw : [raw]) as { code: number; index: number }[];
      const other = writeErrors.find((writeError) => writeError.code !== DUPLICATE_KEY);
      if (other) throw error;
      return writeErrors.map((writeError) => keys[writeError.index]);
    }
  }
}
