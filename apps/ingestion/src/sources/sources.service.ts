import { Inject, Injectable } from '@nestjs/common';
import { TrackingPlan, type TrackingPlanDefinition } from '@tessera/collection';
import { randomUUID } from 'node:crypto';
import { IngestUnavailableError } from '../collection/ingest-unavailable.error';
import { INGESTION_CONFIG } from '../config/ingestion-config.token';
import type { IngestionConfig } from '../config/ingestion.config';
import type { Source, SourceRateLimit, WriteKeyInfo } from './source';
import { SourceNotFoundError, UnauthorizedSourceError } from './source-errors';
import { SourcesRepository } from './sources.repository';
import { generateWriteKey, hashWriteKey, writeKeyPrefix } from './write-key';

/** A source a request authenticated as, with its tracking plan compiled. */
export interface AuthenticatedSource {
  source: Source;
  plan: TrackingPlan | null;
}

interface CacheEntry {
  value: AuthenticatedSource | UnauthorizedSourceError;
  fetchedAt: number;
}

const MAX_CACHED_KEYS = 10_000;

/**
 * Sources and their write keys. Authentication is on every request, so each replica caches the
 * answer for a short time (INGEST_SOURCE_CACHE_TTL_MS); a disabled source or revoked key stops
 * working on every replica within that time.
 */
@Injectable()
export class SourcesService {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(
    private readonly repository: SourcesRepository,
    @Inject(INGESTION_CONFIG) private readonly config: IngestionConfig,
  ) {}

  async create(input: {
    name: string;
    rateLimit?: SourceRateLimit | null;
  }): Promise<{ source: Source; writeKey: string }> {
    const source: Source = {
      id: `src_${randomUUID().replace(/-/g, '')}`,
      name: input.name,
      enabled: true,
      createdAt: new Date(),
      rateLimit: input.rateLimit ?? null,
      trackingPlan: null,
      version: 1,
    };
    await this.repository.create(source);
    const writeKey = await this.issueKey(source.id);
    return { source, writeKey };
  }

  list(): Promise<Source[]> {
    return this.repository.list();
  }

  async get(id: string): Promise<{ source: Source; keys: WriteKeyInfo[] }> {
    const source = await this.repository.findById(id);
    if (!source) throw new SourceNotFoundError(id);
    return { source, keys: await this.repository.listWriteKeys(id) };
  }

  async setEnabled(id: string, enabled: boolean): Promise<Source> {
    return this.updateOrThrow(id, { enabled });
  }

  async setRateLimit(id: string, rateLimit: SourceRateLimit | null): Promise<Source> {
    return this.updateOrThrow(id, { rateLimit });
  }

  /** Validates the plan (a bad JSON Schema is refused here, not at the first event) and stores it. */
  async setTrackingPlan(id: string, plan: TrackingPlanDefinition | null): Promise<Source> {
    if (plan) new TrackingPlan(plan);
    return this.updateOrThrow(id, { trackingPlan: plan });
  }

  /** Issues a new key; the old ones keep working for `graceSeconds` (0 revokes them now). */
  async rotateKey(
    id: string,
    graceSeconds: number,
  ): Promise<{ writeKey: string; previousKeysExpireAt: Date }> {
    if (!(await this.repository.findById(id))) throw new SourceNotFoundError(id);
    const writeKey = await this.issueKey(id);
    const previousKeysExpireAt = new Date(Date.now() + graceSeconds * 1000);
    await this.repository.expireWriteKeys(
      id,
      previousKeysExpireAt,
      hashWriteKey(writeKey, this.config.writeKeyPepper),
    );
    this.cache.clear();
    return { writeKey, previousKeysExpireAt };
  }

  /** The source a write key belongs to; throws UnauthorizedSourceError otherwise. */
  async authenticate(writeKey: string): Promise<AuthenticatedSource> {
    const hash = hashWriteKey(writeKey, this.config.writeKeyPepper);
    const now = Date.now();
    const cached = this.cache.get(hash);
    const entry =
      cached && now - cached.fetchedAt < this.config.sourceCacheTtlMs
        ? cached
        : await this.lookUp(hash, now);
    if (entry.value instanceof UnauthorizedSourceError) throw entry.value;
    return entry.value;
  }

  private async lookUp(hash: string, now: number): Promise<CacheEntry> {
    let value: AuthenticatedSource | UnauthorizedSourceError;
    try {
      value = await this.resolve(hash, now);
    } catch (error) {
      // The store did not answer: the caller answers 503 (HTTP) or retries the batch (Kafka).
      throw new IngestUnavailableError('store', { cause: error });
    }
    const entry: CacheEntry = { value, fetchedAt: now };
    if (this.cache.size >= MAX_CACHED_KEYS) this.cache.clear();
    this.cache.set(hash, entry);
    return entry;
  }

  private async resolve(
    hash: string,
    now: number,
  ): Promise<AuthenticatedSource | UnauthorizedSourceError> {
    const key = await this.repository.findWriteKey(hash);
    if (!key || (key.expiresAt && key.expiresAt.getTime() <= now)) {
      return new UnauthorizedSourceError('unknown or expired write key', 'unknown_source');
    }
    const source = await this.repository.findById(key.sourceId);
    if (!source)
      return new UnauthorizedSourceError('unknown or expired write key', 'unknown_source');
    if (!source.enabled) {
      return new UnauthorizedSourceError(
        `source ${source.id} is disabled`,
        'source_disabled',
        source.id,
      );
    }
    return { source, plan: source.trackingPlan ? new TrackingPlan(source.trackingPlan) : null };
  }

  private async issueKey(sourceId: string): Promise<string> {
    const writeKey = generateWriteKey();
    await this.repository.addWriteKey(
      sourceId,
      hashWriteKey(writeKey, this.config.writeKeyPepper),
      writeKeyPrefix(writeKey),
      new Date(),
    );
    return writeKey;
  }

  private async updateOrThrow(
    id: string,
    change: Parameters<SourcesRepository['update']>[1],
  ): Promise<Source> {
    const source = await this.repository.update(id, change);
    if (!source) throw new SourceNotFoundError(id);
    this.cache.clear();
    return source;
  }
}
