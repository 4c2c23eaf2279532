import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { insertReportingDuplicates } from '@tessera/platform-mongo';
import type { Collection } from 'mongodb';
import type { Model } from 'mongoose';
import { CONSENT_MODEL, type ConsentDocument } from '../delivery/activation-store.schema';

/** The latest consent of each profile, from its snapshots: audience changes are judged by it. */
@Injectable()
export class ConsentRepository {
  private readonly consent: Collection<ConsentDocument>;

  constructor(@InjectModel(CONSENT_MODEL) consent: Model<ConsentDocument>) {
    this.consent = consent.collection as unknown as Collection<ConsentDocument>;
  }

  /** Keeps each profile's highest version: an older snapshot read late changes nothing. */
  async record(latest: ConsentDocument[]): Promise<void> {
    if (latest.length === 0) return;
    const existing = await insertReportingDuplicates(this.consent, latest);
    await Promise.all(
      existing.map((index) => {
        const { _id, ...fields } = latest[index];
        return this.consent.updateOne(
          { _id, version: { $lt: fields.version } },
          { $set: { version: fields.version, granted: fields.granted } },
        );
      }),
    );
  }

  /** A merged-away or deleted profile: its last consent still judges its late audience changes. */
  async markGone(profileIds: string[]): Promise<void> {
    if (profileIds.length === 0) return;
    await insertReportingDuplicates(
      this.consent,
      profileIds.map((_id) => ({ _id, version: 0, granted: null, gone: true })),
    );
    await this.consent.updateMany({ _id: { $in: profileIds } }, { $set: { gone: true } });
  }

  async find(profileIds: string[]): Promise<Map<string, ConsentDocument>> {
    if (profileIds.length === 0) return new Map();
    const docs = await this.consent.find({ _id: { $in: profileIds } }).toArray();
    return new Map(docs.map((doc) => [doc._id, doc]));
  }
}
