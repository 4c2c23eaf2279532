import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import {
  PRIVACY_IDEMPOTENCY_KEY_MODEL,
  type PrivacyIdempotencyKeyDocument,
} from './privacy-request.schema';

const DUPLICATE_KEY = 11000;
const CLAIM_ROUNDS = 3;

/** Idempotency-Keys of privacy requests, each standing for one request for a while. */
@Injectable()
export class PrivacyIdempotencyKeysRepository {
  constructor(
    @InjectModel(PRIVACY_IDEMPOTENCY_KEY_MODEL)
    private readonly keys: Model<PrivacyIdempotencyKeyDocument>,
  ) {}

  /**
   * Makes the key stand for `requestId` unless it already stands for another request claimed
   * after `validFrom`; returns the request it stands for. Atomic: of two concurrent claims, one wins.
   */
  async claim(hash: string, requestId: string, at: Date, validFrom: Date): Promise<string> {
    // A holder can vanish between the reads (its request failed); a few rounds settle it.
    for (let round = 0; round < CLAIM_ROUNDS; round++) {
      try {
        await this.keys.create({ _id: hash, requestId, at });
        return requestId;
      } catch (error) {
        if ((error as { code?: number }).code !== DUPLICATE_KEY) throw error;
      }
      const expired = await this.keys
        .findOneAndUpdate({ _id: hash, at: { $lt: validFrom } }, { $set: { requestId, at } })
        .lean<PrivacyIdempotencyKeyDocument>()
        .exec();
      if (expired) return requestId;
      const holder = await this.keys.findById(hash).lean<PrivacyIdempotencyKeyDocument>().exec();
      if (holder) return holder.requestId;
    }
    throw new Error(`the idempotency key could not be claimed in ${CLAIM_ROUNDS} rounds`);
  }

  /** Frees the key if it still stands for `requestId`. */
  async release(hash: string, requestId: string): Promise<void> {
    await this.keys.deleteOne({ _id: hash, requestId }).exec();
  }
}
