import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { SUPPRESSION_MODEL, type SuppressionDocument } from './privacy-request.schema';

/** The suppression list: hashes of identifiers whose events are dropped at collection. */
@Injectable()
export class SuppressionsRepository {
  constructor(
    @InjectModel(SUPPRESSION_MODEL) private readonly suppressions: Model<SuppressionDocument>,
  ) {}

  /** Adds the hashes (an upsert each, so a redelivered resolution changes nothing). */
  async suppress(hashes: string[], requestId: string, at: Date): Promise<void> {
    if (hashes.length === 0) return;
    await this.suppressions.bulkWrite(
      hashes.map((hash) => ({
        updateOne: {
          filter: { _id: hash },
          update: { $set: { requestId, at } },
          upsert: true,
        },
      })),
      { ordered: false },
    );
  }

  async lift(hashes: string[]): Promise<void> {
    if (hashes.length === 0) return;
    await this.suppressions.deleteMany({ _id: { $in: hashes } }).exec();
  }

  async allHashes(): Promise<string[]> {
    const documents = await this.suppressions
      .find({}, { _id: 1 })
      .lean<Pick<SuppressionDocument, '_id'>[]>()
      .exec();
    return documents.map((document) => document._id);
  }
}
