import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { insertReportingDuplicates, type InsertTarget } from '@tessera/platform-mongo';
import type { Collection } from 'mongodb';
import type { Model } from 'mongoose';
import {
  ERASED_PROFILE_MODEL,
  type ErasedProfileDocument,
  type ErasureCounts,
} from './profile-store.schema';

/** The deletion a privacy request records before it deletes anything. */
export interface ErasureRecord {
  requestId: string;
  at: number;
  /** The request's live profile: its marker holds the counts. */
  recordId: string;
  deleted: ErasureCounts;
}

/**
 * The ids of profiles deleted by privacy requests. Folding and merging ask it once per batch (one
 * `$in` by `_id`), so an event or merge of a deleted profile that was still on its way is dropped.
 */
@Injectable()
export class ErasedProfilesRepository {
  private readonly erased: Collection<ErasedProfileDocument>;

  constructor(@InjectModel(ERASED_PROFILE_MODEL) erased: Model<ErasedProfileDocument>) {
    this.erased = erased.collection as unknown as Collection<ErasedProfileDocument>;
  }

  /** Which of these profiles were deleted. */
  async among(ids: Iterable<string>): Promise<Set<string>> {
    const wanted = [...new Set(ids)];
    if (wanted.length === 0) return new Set();
    const found = await this.erased
      .find({ _id: { $in: wanted } }, { projection: { _id: 1 } })
      .toArray();
    return new Set(found.map((doc) => doc._id));
  }

  /**
   * Marks the profiles deleted; a marker stored already is kept. Returns the counts the request
   * recorded first, so a redelivered request reports what the first delivery deleted.
   */
  async mark(ids: string[], record: ErasureRecord): Promise<ErasureCounts> {
    const docs = [...new Set([record.recordId, ...ids])].map((id) => ({
      _id: id,
      requestId: record.requestId,
      at: record.at,
      deleted: id === record.recordId ? record.deleted : null,
    }));
    const target = this.erased as unknown as InsertTarget<ErasedProfileDocument>;
    const duplicates = await insertReportingDuplicates(target, docs);
    if (!duplicates.includes(0)) return record.deleted;
    const stored = await this.erased.findOne({ _id: record.recordId });
    return stored?.requestId === record.requestId && stored.deleted
      ? stored.deleted
      : record.deleted;
  }
}
