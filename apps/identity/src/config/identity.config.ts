import { readIdentityRules, type IdentityRules } from '@tessera/identity';
import { EnvReader, readPlatformConfig, type PlatformConfig } from '@tessera/platform-config';

export interface IdentityConfig extends PlatformConfig {
  /** Bearer token of the identity API (it answers with personal data). */
  adminToken: string;
  /** Key of the hashed identifiers privacy tombstones keep; the same value as ingestion's. */
  privacyHashKey: string;
  rules: IdentityRules;
  /** How long a replica may hold a profile while it resolves an event; a crashed holder's lock expires after it. */
  lockLeaseMs: number;
}

/** The only place the identity service reads its environment. */
export function loadIdentityConfig(env: NodeJS.ProcessEnv = process.env): Readonly<IdentityConfig> {
  const reader = new EnvReader(env);
  const platform = readPlatformConfig(reader, {
    service: 'identity',
    port: 8081,
    database: 'tessera_identity',
    // Events of different partitions resolve at once; their round trips to the store overlap.
    partitionsConcurrency: 4,
  });
  return reader.done({
    ...platform,
    adminToken: reader.secret('ADMIN_TOKEN', { minLength: 16 }),
    privacyHashKey: reader.secret('PRIVACY_HASH_KEY', { minLength: 16 }),
    rules: readIdentityRules(reader),
    lockLeaseMs: reader.integer('IDENTITY_LOCK_LEASE_MS', {
      default: 10_000,
      min: 100,
      max: 300_000,
    }),
  });
}
