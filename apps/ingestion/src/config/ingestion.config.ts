import { readIdentityRules, type IdentityRules } from '@tessera/identity';
import { EnvReader, readPlatformConfig, type PlatformConfig } from '@tessera/platform-config';

export interface IngestionConfig extends PlatformConfig {
  /** Bearer token of the admin API. */
  adminToken: string;
  /** Secret mixed into write-key hashes, so a copy of the database does not reveal usable keys. */
  writeKeyPepper: string;
  /** Key of the hashed identifiers on the suppression list; the same value as identity's. */
  privacyHashKey: string;
  /** The identity service's rules, to extract an event's identifiers as it does (suppression). */
  identityRules: IdentityRules;
  /** How often a replica reloads the suppression list (others' resolutions reach it within it). */
  suppressionRefreshMs: number;
  limits: { maxEventBytes: number; maxRequestBytes: number };
  dedupeWindowSeconds: number;
  /** Default per-source rate limit in events/s across one replica; 0 = off. */
  rateLimit: { eventsPerSecond: number; burst: number };
  /** How long a request waits for Kafka's acknowledgement before answering 503. */
  publishTimeoutMs: number;
  /** How long a replica trusts its cached copy of a source (a disabled key stops working within it). */
  sourceCacheTtlMs: number;
}

/** The only place the ingestion service reads its environment. */
export function loadIngestionConfig(
  env: NodeJS.ProcessEnv = process.env,
): Readonly<IngestionConfig> {
  const reader = new EnvReader(env);
  const config: IngestionConfig = {
    ...readPlatformConfig(reader, {
      service: 'ingestion',
      port: 8080,
      database: 'tessera_ingestion',
    }),
    adminToken: reader.secret('ADMIN_TOKEN', { minLength: 16 }),
    writeKeyPepper: reader.secret('WRITE_KEY_PEPPER', { minLength: 16 }),
    privacyHashKey: reader.secret('PRIVACY_HASH_KEY', { minLength: 16 }),
    identityRules: readIdentityRules(reader),
    suppressionRefreshMs: reader.integer('PRIVACY_SUPPRESSION_REFRESH_MS', {
      default: 5_000,
      min: 100,
      max: 600_000,
    }),
    limits: {
      maxEventBytes: reader.integer('INGEST_MAX_EVENT_BYTES', {
        default: 32 * 1024,
        min: 1024,
        max: 16 * 1024 * 1024,
      }),
      maxRequestBytes: reader.integer('INGEST_MAX_REQUEST_BYTES', {
        default: 500 * 1024,
        min: 1024,
        max: 64 * 1024 * 1024,
      }),
    },
    dedupeWindowSeconds: reader.integer('INGEST_DEDUPE_WINDOW_SECONDS', {
      default: 24 * 3600,
      min: 0,
      max: 30 * 24 * 3600,
    }),
    rateLimit: {
      eventsPerSecond: reader.integer('INGEST_RATE_LIMIT_EVENTS_PER_SECOND', {
        default: 0,
        min: 0,
      }),
      burst: reader.integer('INGEST_RATE_LIMIT_BURST', { default: 0, min: 0 }),
    },
    publishTimeoutMs: reader.integer('INGEST_PUBLISH_TIMEOUT_MS', {
      default: 10_000,
      min: 100,
      max: 120_000,
    }),
    sourceCacheTtlMs: reader.integer('INGEST_SOURCE_CACHE_TTL_MS', {
      default: 5_000,
      min: 0,
      max: 600_000,
    }),
  };
  return reader.done(config);
}
