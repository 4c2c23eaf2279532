import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { AnyBulkWriteOperation, Collection } from 'mongodb';
import type { Model } from 'mongoose';
import { ERASURE_MODEL, type ErasureDocument } from '../delivery/activation-store.schema';
import type { ErasedDeliveries } from '../delivery/delivery.repository';

/** The profiles privacy requests deleted (`erasures`), with what was removed of each. */
@Injectable()
export class ErasureRepository {
  private readonly erasures: Collection<ErasureDocument>;

  constructor(@InjectModel(ERASURE_MODEL) erasures: Model<ErasureDocument>) {
    this.erasures = erasures.collection as unknown as Collection<ErasureDocument>;
  }

  /**
   * Marks the profiles deleted (the first request and time stay) and due for a recheck at
   * `recheckAt`. Written before anything is removed, so what is routed after it is dropped.
   */
  async mark(
    profileIds: string[],
    requestId: string,
    now: number,
    recheckAt: number,
  ): Promise<void> {
    if (profileIds.length === 0) return;
    await this.erasures.bulkWrite(
      profileIds.map((profileId) => ({
        updateOne: {
          filter: { _id: profileId },
          update: {
            $setOnInsert: {
              requestId,
              at: now,
              pendingMessages: 0,
              failedMessages: 0,
              deliveredMessages: 0,
              logEntries: 0,
            },
            $set: { recheckAt },
          },
          upsert: true,
        },
      })),
      { ordered: false },
    );
  }

  /** Which of these profiles were deleted: one `$in` read by `_id`. */
  async erasedAmong(profileIds: string[]): Promise<Set<string>> {
    if (profileIds.length === 0) return new Set();
    const erased = await this.erasures
      .find({ _id: { $in: profileIds } })
      .project<{ _id: string }>({ _id: 1 })
      .toArray();
    return new Set(erased.map((erasure) => erasure._id));
  }

  /** Adds what a pass removed to each profile's counts. */
  async count(removed: Map<string, ErasedDeliveries>): Promise<void> {
    const operations: AnyBulkWriteOperation<ErasureDocument>[] = [...removed]
      .filter(([, counts]) => Object.values(counts).some((n) => n > 0))
      .map(([profileId, counts]) => ({
        updateOne: { filter: { _id: profileId }, update: { $inc: { ...counts } } },
      }));
    if (operations.length > 0) await this.erasures.bulkWrite(operations, { ordered: false });
  }

  /** What was removed of these profiles, over every pass (also those of an earlier request). */
  async totals(profileIds: string[]): Promise<ErasedDeliveries> {
    const erasures = await this.erasures.find({ _id: { $in: profileIds } }).toArray();
    const sum = (field: keyof ErasedDeliveries) =>
      erasures.reduce((total, erasure) => total + (erasure[field] ?? 0), 0);
    return {
      pendingMessages: sum('pendingMessages'),
      failedMessages: sum('failedMessages'),
      deliveredMessages: sum('deliveredMessages'),
      logEntries: sum('logEntries'),
    };
  }

  /** Profiles whose recheck is due. */
  async dueForRecheck(now: number, limit: number): Promise<string[]> {
    const due = await this.erasures
      .find({ recheckAt: { $ne: null, $lte: now } })
      .project<{ _id: string }>({ _id: 1 })
      .limit(limit)
      .toArray();
    return due.map((erasure) => erasure._id);
  }

  /** Ends the recheck of these profiles, unless a later request set a new one meanwhile. */
  async rechecked(profileIds: string[], now: number): Promise<void> {
    await this.erasures.updateMany(
      { _id: { $in: profileIds }, recheckAt: { $lte: now } },
      { $set: { recheckAt: null } },
    );
  }
}
