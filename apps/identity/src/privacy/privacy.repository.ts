import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { AnyBulkWriteOperation, Collection } from 'mongodb';
import type { Model } from 'mongoose';
import {
  DELETIONS_ID,
  PRIVACY_REQUEST_MODEL,
  TOMBSTONE_MODEL,
  type DeletionsDocument,
  type PrivacyRequestDocument,
  type TombstoneDocument,
} from './privacy.schema';

/** The tombstones of a batch's identifier hashes, and the deletion counter, read at once. */
export interface TombstoneRead {
  tombstones: Map<string, TombstoneDocument>;
  deletions: number;
}

/**
 * Privacy tombstones (hashes only) and the records of privacy requests. Every read and write is by
 * `_id`: single documents, `$in` batches and bulks of those.
 */
@Injectable()
export class PrivacyRepository {
  private readonly tombstones: Collection<TombstoneDocument>;
  /** The same collection, for its one other document: the deletion counter. */
  private readonly counter: Collection<DeletionsDocument>;
  private readonly requests: Collection<PrivacyRequestDocument>;

  constructor(
    @InjectModel(TOMBSTONE_MODEL) tombstones: Model<TombstoneDocument>,
    @InjectModel(PRIVACY_REQUEST_MODEL) requests: Model<PrivacyRequestDocument>,
  ) {
    this.tombstones = tombstones.collection as unknown as Collection<TombstoneDocument>;
    this.counter = tombstones.collection as unknown as Collection<DeletionsDocument>;
    this.requests = requests.collection as unknown as Collection<PrivacyRequestDocument>;
  }

  /** The tombstones of these hashes and the deletion counter, in one round trip. */
  async read(hashes: string[]): Promise<TombstoneRead> {
    const found = await this.tombstones
      .find({ _id: { $in: [...new Set(hashes), DELETIONS_ID] } })
      .toArray();
    const tombstones = new Map<string, TombstoneDocument>();
    let deletions = 0;
    for (const doc of found) {
      if (doc._id === DELETIONS_ID) deletions = (doc as unknown as DeletionsDocument).count;
      else tombstones.set(doc._id, doc);
    }
    return { tombstones, deletions };
  }

  async tombstone(hash: string): Promise<TombstoneDocument | null> {
    return this.tombstones.findOne({ _id: hash });
  }

  /** How many deletions the graph has seen. */
  async deletions(): Promise<number> {
    return (await this.read([])).deletions;
  }

  /** Counts a deletion, once it is done, so every replica drops its caches of the graph. */
  async countDeletion(): Promise<void> {
    await this.counter.updateOne({ _id: DELETIONS_ID }, { $inc: { count: 1 } }, { upsert: true });
  }

  /** Records the deletion of the profile these hashes belonged to (the latest deletion counts). */
  async markDeleted(hashes: string[], requestId: string, deletedAt: Date): Promise<void> {
    await this.bulk(
      hashes.map((hash) => ({
        updateOne: {
          filter: { _id: hash },
          update: {
            $max: { deletedAt },
            $set: { requestId },
            $setOnInsert: { suppressed: false, group: null },
          },
          upsert: true,
        },
      })),
    );
  }

  /** Suppresses these hashes together, as one group named after the request. */
  async suppress(hashes: string[], requestId: string): Promise<void> {
    await this.bulk(
      hashes.map((hash) => ({
        updateOne: {
          filter: { _id: hash },
          update: {
            $set: { requestId, suppressed: true, group: requestId },
            $setOnInsert: { deletedAt: null },
          },
          upsert: true,
        },
      })),
    );
  }

  /** Lifts the suppression of the hashes still in this group. */
  async lift(hashes: string[], group: string, requestId: string): Promise<void> {
    if (hashes.length === 0) return;
    await this.tombstones.updateMany(
      { _id: { $in: hashes }, group },
      { $set: { requestId, suppressed: false, group: null } },
    );
  }

  async findRequest(id: string): Promise<PrivacyRequestDocument | null> {
    return this.requests.findOne({ _id: id });
  }

  /** Writes a request's record (its outcome as decided so far). */
  async saveRequest(record: PrivacyRequestDocument): Promise<void> {
    const { _id, ...rest } = record;
    await this.requests.replaceOne({ _id }, rest, { upsert: true });
  }

  private async bulk(operations: AnyBulkWriteOperation<TombstoneDocument>[]): Promise<void> {
    if (operations.length === 0) return;
    await this.tombstones.bulkWrite(operations, { ordered: true });
  }
}
