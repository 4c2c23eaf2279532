import { Inject, Injectable } from '@nestjs/common';
import {
  dependsOnTime,
  InvalidAudienceConditionError,
  parseAudienceCondition,
  type AudienceCondition,
} from '@tessera/profile';
import { randomBytes } from 'node:crypto';
import { ENRICHMENT_CONFIG } from '../config/enrichment-config.token';
import type { EnrichmentConfig } from '../config/enrichment.config';
import { ProfileStoreRepository } from '../profiles/profile-store.repository';
import type { AudienceDocument } from '../profiles/profile-store.schema';
import { ProfileDefinitions } from './profile-definitions';
import { AudienceRepository } from './audience.repository';

/** A request the audiences API refuses, with the field at fault. */
export class InvalidAudienceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidAudienceError';
  }
}

export class AudienceExistsError extends Error {
  constructor(id: string) {
    super(`an audience ${id} exists already`);
    this.name = 'AudienceExistsError';
  }
}

export interface AudienceView {
  id: string;
  name: string;
  description: string;
  condition: AudienceCondition;
  dependsOnTime: boolean;
  createdAt: string;
  updatedAt: string;
  /** False until every existing profile was evaluated against this version of the audience. */
  evaluated: boolean;
}

const AUDIENCE_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const MAX_PAGE = 500;

/** Creating, changing and deleting audiences; their members. */
@Injectable()
export class AudiencesService {
  constructor(
    private readonly repository: AudienceRepository,
    private readonly definitions: ProfileDefinitions,
    private readonly store: ProfileStoreRepository,
    @Inject(ENRICHMENT_CONFIG) private readonly config: EnrichmentConfig,
  ) {}

  async create(input: unknown, now = Date.now()): Promise<AudienceView> {
    const body = objectOf(input);
    const id = body.id === undefined ? `aud_${randomBytes(6).toString('hex')}` : idOf(body.id);
    const stored = await this.repository.insert(this.documentOf(id, body, now, now));
    if (!stored) throw new AudienceExistsError(id);
    await this.definitions.refresh();
    return this.viewOf(stored);
  }

  async replace(id: string, input: unknown, now = Date.now()): Promise<AudienceView | null> {
    const existing = await this.repository.find(id);
    if (!existing) return null;
    const stored = await this.repository.replace(
      this.documentOf(id, objectOf(input), existing.createdAt, now),
    );
    if (!stored) return null;
    await this.definitions.refresh();
    return this.viewOf(stored);
  }

  async delete(id: string): Promise<boolean> {
    const deleted = await this.repository.delete(id, Date.now());
    if (deleted) await this.definitions.refresh();
    return deleted;
  }

  async get(id: string): Promise<AudienceView | null> {
    const doc = await this.repository.find(id);
    return doc && this.viewOf(doc);
  }

  async list(): Promise<AudienceView[]> {
    const docs = await this.repository.list();
    return Promise.all(docs.map((doc) => this.viewOf(doc)));
  }

  async members(
    id: string,
    limitText: string | undefined,
    cursor: string | undefined,
  ): Promise<{ audienceId: string; members: { profileId: string }[]; next: string | null } | null> {
    const limit =
      limitText === undefined ? 100 : /^\d{1,3}$/.test(limitText) ? Number(limitText) : 0;
    if (!(limit >= 1 && limit <= MAX_PAGE))
      throw new InvalidAudienceError(`limit must be a whole number from 1 to ${MAX_PAGE}`);
    if (!(await this.repository.find(id))) return null;
    const page = await this.store.membersPage(id, cursor ?? '', limit + 1);
    const members = page.slice(0, limit).map((doc) => ({ profileId: doc._id }));
    return {
      audienceId: id,
      members,
      next: page.length > limit ? members[members.length - 1].profileId : null,
    };
  }

  private documentOf(
    id: string,
    body: Record<string, unknown>,
    createdAt: number,
    now: number,
  ): AudienceDocument {
    if (typeof body.name !== 'string' || body.name.trim() === '' || body.name.length > 200)
      throw new InvalidAudienceError('name must be text of 1 to 200 characters');
    if (body.description !== undefined && typeof body.description !== 'string')
      throw new InvalidAudienceError('description must be text');
    let condition: AudienceCondition;
    try {
      condition = parseAudienceCondition(body.condition, {
        maxWindowDays: this.config.fold.dailyRetentionDays,
      });
    } catch (error) {
      if (error instanceof InvalidAudienceConditionError)
        throw new InvalidAudienceError(error.message);
      throw error;
    }
    return {
      _id: id,
      name: body.name.trim(),
      description: body.description ?? '',
      condition: JSON.stringify(condition),
      dependsOnTime: dependsOnTime(condition),
      revision: 0,
      createdAt,
      updatedAt: now,
    };
  }

  private async viewOf(doc: AudienceDocument): Promise<AudienceView> {
    const state = await this.repository.evaluationState();
    return {
      id: doc._id,
      name: doc.name,
      description: doc.description,
      condition: JSON.parse(doc.condition) as AudienceCondition,
      dependsOnTime: doc.dependsOnTime,
      createdAt: new Date(doc.createdAt).toISOString(),
      updatedAt: new Date(doc.updatedAt).toISOString(),
      evaluated: state.evaluatedRevision >= doc.revision,
    };
  }
}

function objectOf(input: unknown): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new InvalidAudienceError(
      'the body must be a JSON object: { "name": ..., "condition": ... }',
    );
  return input as Record<string, unknown>;
}

function idOf(raw: unknown): string {
  if (typeof raw !== 'string' || !AUDIENCE_ID.test(raw))
    throw new InvalidAudienceError(
      'id must be 1 to 64 lower-case letters, digits, - and _, starting with a letter or digit',
    );
  return raw;
}
