import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { TrackingPlanDefinition } from '@tessera/collection';
import type { Model } from 'mongoose';
import type { Source, SourceRateLimit, WriteKeyInfo } from './source';
import {
  SOURCE_MODEL,
  WRITE_KEY_MODEL,
  type SourceDocument,
  type WriteKeyDocument,
} from './source.schema';

@Injectable()
export class SourcesRepository {
  constructor(
    @InjectModel(SOURCE_MODEL) private readonly sources: Model<SourceDocument>,
    @InjectModel(WRITE_KEY_MODEL) private readonly writeKeys: Model<WriteKeyDocument>,
  ) {}

  async create(source: Source): Promise<void> {
    await this.sources.create(toDocument(source));
  }

  async findById(id: string): Promise<Source | null> {
    const document = await this.sources.findById(id).lean<SourceDocument>().exec();
    return document ? toSource(document) : null;
  }

  async list(): Promise<Source[]> {
    const documents = await this.sources
      .find()
      .sort({ createdAt: 1 })
      .lean<SourceDocument[]>()
      .exec();
    return documents.map(toSource);
  }

  /** Applies a change and bumps the version in one atomic update; null when there is no such source. */
  async update(
    id: string,
    {
      trackingPlan,
      ...change
    }: Partial<{
      enabled: boolean;
      name: string;
      rateLimit: SourceRateLimit | null;
      trackingPlan: TrackingPlanDefinition | null;
    }>,
  ): Promise<Source | null> {
    const set =
      trackingPlan === undefined ? change : { ...change, trackingPlan: serialise(trackingPlan) };
    const document = await this.sources
      .findOneAndUpdate({ _id: id }, { $set: set, $inc: { version: 1 } }, { new: true })
      .lean<SourceDocument>()
      .exec();
    return document ? toSource(document) : null;
  }

  async addWriteKey(
    sourceId: string,
    hash: string,
    prefix: string,
    createdAt: Date,
  ): Promise<void> {
    await this.writeKeys.create({ _id: hash, sourceId, prefix, createdAt, expiresAt: null });
  }

  /** Makes every current key of the source expire at `expiresAt` (keys already expiring sooner keep their time). */
  async expireWriteKeys(sourceId: string, expiresAt: Date, except: string): Promise<void> {
    await this.writeKeys
      .updateMany(
        {
          sourceId,
          _id: { $ne: except },
          $or: [{ expiresAt: null }, { expiresAt: { $gt: expiresAt } }],
        },
        { $set: { expiresAt } },
      )
      .exec();
  }

  async findWriteKey(hash: string): Promise<{ sourceId: string; expiresAt: Date | null } | null> {
    const document = await this.writeKeys.findById(hash).lean<WriteKeyDocument>().exec();
    return document ? { sourceId: document.sourceId, expiresAt: document.expiresAt } : null;
  }

  async listWriteKeys(sourceId: string): Promise<WriteKeyInfo[]> {
    const documents = await this.writeKeys.find({ sourceId }).lean<WriteKeyDocument[]>().exec();
    return documents
      .map(({ prefix, createdAt, expiresAt }) => ({ prefix, createdAt, expiresAt }))
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  }
}

function toDocument(source: Source): SourceDocument {
  const { id, trackingPlan, ...rest } = source;
  return { _id: id, ...rest, trackingPlan: serialise(trackingPlan) };
}

function serialise(plan: TrackingPlanDefinition | null): string | null {
  return plan === null ? null : JSON.stringify(plan);
}

function toSource(document: SourceDocument): Source {
  return {
    id: document._id,
    name: document.name,
    enabled: document.enabled,
    createdAt: new Date(document.createdAt),
    rateLimit: document.rateLimit ?? null,
    trackingPlan: document.trackingPlan
      ? (JSON.parse(document.trackingPlan) as TrackingPlanDefinition)
      : null,
    version: document.version,
  };
}
