import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { insertReportingDuplicates, type InsertTarget } from '@tessera/platform-mongo';
import type { Collection, Filter } from 'mongodb';
import type { Model } from 'mongoose';
import {
  AUDIENCE_MODEL,
  COMPUTED_TRAIT_MODEL,
  EVALUATION_MODEL,
  type AudienceDocument,
  type ComputedTraitDocument,
  type EvaluationDocument,
} from '../profiles/profile-store.schema';

const EVALUATION_ID = 'audiences';

/** Audience and computed trait definitions, and the record of re-evaluating profiles against them. */
@Injectable()
export class AudienceRepository {
  private readonly audiences: Collection<AudienceDocument>;
  private readonly evaluation: Collection<EvaluationDocument>;
  private readonly computedTraits: Collection<ComputedTraitDocument>;

  constructor(
    @InjectModel(AUDIENCE_MODEL) audiences: Model<AudienceDocument>,
    @InjectModel(EVALUATION_MODEL) evaluation: Model<EvaluationDocument>,
    @InjectModel(COMPUTED_TRAIT_MODEL) computedTraits: Model<ComputedTraitDocument>,
  ) {
    this.audiences = audiences.collection as unknown as Collection<AudienceDocument>;
    this.computedTraits = computedTraits.collection as unknown as Collection<ComputedTraitDocument>;
    this.evaluation = evaluation.collection as unknown as Collection<EvaluationDocument>;
  }

  list(): Promise<AudienceDocument[]> {
    return this.audiences.find({}).sort({ _id: 1 }).toArray();
  }

  find(id: string): Promise<AudienceDocument | null> {
    return this.audiences.findOne({ _id: id });
  }

  /** The audience as stored (with its revision); null when one with this id exists already. */
  insert(doc: AudienceDocument): Promise<AudienceDocument | null> {
    return this.insertCounted(this.audiences, doc, doc.updatedAt);
  }

  /** The audience as stored (with its revision); null when there is none with this id. */
  async replace(doc: AudienceDocument): Promise<AudienceDocument | null> {
    const { _id, ...fields } = doc;
    if (!(await this.audiences.findOne({ _id }))) return null;
    const stored = { ...doc, revision: await this.nextRevision(doc.updatedAt) };
    const result = await this.audiences.updateOne(
      { _id },
      { $set: { ...fields, revision: stored.revision } },
    );
    return result.matchedCount === 1 ? stored : null;
  }

  async delete(id: string, now: number): Promise<boolean> {
    const result = await this.audiences.deleteOne({ _id: id });
    if (result.deletedCount === 0) return false;
    await this.nextRevision(now);
    return true;
  }

  listComputedTraits(): Promise<ComputedTraitDocument[]> {
    return this.computedTraits.find({}).sort({ _id: 1 }).toArray();
  }

  findComputedTrait(id: string): Promise<ComputedTraitDocument | null> {
    return this.computedTraits.findOne({ _id: id });
  }

  /** The trait as stored (with its revision); null when one with this id exists already. */
  insertComputedTrait(doc: ComputedTraitDocument): Promise<ComputedTraitDocument | null> {
    return this.insertCounted(this.computedTraits, doc, doc.createdAt);
  }

  async deleteComputedTrait(id: string, now: number): Promise<boolean> {
    const result = await this.computedTraits.deleteOne({ _id: id });
    if (result.deletedCount === 0) return false;
    await this.nextRevision(now);
    return true;
  }

  async evaluationState(): Promise<EvaluationDocument> {
    const target = this.evaluation as unknown as InsertTarget<EvaluationDocument>;
    await insertReportingDuplicates(target, [
      {
        _id: EVALUATION_ID,
        revision: 0,
        evaluatedRevision: 0,
        evaluatedDay: 0,
        changedAt: 0,
        waitingSince: null,
        lease: null,
      },
    ]);
    return (await this.evaluation.findOne({ _id: EVALUATION_ID })) as EvaluationDocument;
  }

  /** Takes the lease of the evaluation when it is free or ran out; false when another holds it. */
  async claim(owner: string, now: number, leaseMs: number): Promise<boolean> {
    const result = await this.evaluation.updateOne(
      { _id: EVALUATION_ID, $or: [{ lease: null }, { 'lease.until': { $lt: now } }] },
      { $set: { lease: { owner, until: now + leaseMs } } },
    );
    return result.modifiedCount === 1;
  }

  async renew(owner: string, now: number, leaseMs: number): Promise<boolean> {
    const result = await this.evaluation.updateOne(
      { _id: EVALUATION_ID, 'lease.owner': owner },
      { $set: { lease: { owner, until: now + leaseMs } } },
    );
    return result.matchedCount === 1;
  }

  async complete(owner: string, revision: number, day: number): Promise<void> {
    await this.evaluation.updateOne(
      { _id: EVALUATION_ID, 'lease.owner': owner },
      { $set: { evaluatedRevision: revision, evaluatedDay: day, lease: null, waitingSince: null } },
    );
  }

  /** Inserts a definition with the revision its creation makes; null when its id is taken. */
  private async insertCounted<T extends { _id: string; revision: number }>(
    collection: Collection<T>,
    doc: T,
    now: number,
  ): Promise<T | null> {
    // A taken id makes no revision (and no walk over the profiles); a race for one id may.
    if (await collection.findOne({ _id: doc._id } as Filter<T>)) return null;
    const stored = { ...doc, revision: await this.nextRevision(now) };
    const target = collection as unknown as InsertTarget<T>;
    const duplicates = await insertReportingDuplicates(target, [stored]);
    return duplicates.length === 0 ? stored : null;
  }

  /** Gives the lease back without recording a run: the evaluation is due again. */
  async release(owner: string, waitingSince: number): Promise<void> {
    await this.evaluation.updateOne(
      { _id: EVALUATION_ID, 'lease.owner': owner },
      { $set: { lease: null, waitingSince } },
    );
  }

  /** Counts a change of the definitions; the evaluation after it covers every profile. */
  private async nextRevision(now: number): Promise<number> {
    await this.evaluationState();
    const updated = await this.evaluation.findOneAndUpdate(
      { _id: EVALUATION_ID },
      { $inc: { revision: 1 }, $set: { changedAt: now } },
      { returnDocument: 'after' },
    );
    return (updated as EvaluationDocument).revision;
  }
}
