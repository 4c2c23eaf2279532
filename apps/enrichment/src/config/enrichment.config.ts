import { identityRules, InvalidIdentityRulesError } from '@tessera/identity';
import type { FoldOptions } from '@tessera/profile';
import { EnvReader, readPlatformConfig, type PlatformConfig } from '@tessera/platform-config';

export interface EnrichmentConfig extends PlatformConfig {
  /** Bearer token of the Profile API (it answers with personal data). */
  adminToken: string;
  /** How events fold into profiles: the identity service's phone region, per-day count retention. */
  fold: FoldOptions;
  audiences: {
    /** How often a replica re-reads the audience definitions. */
    refreshMs: number;
    /** How often a replica checks whether profiles are due a re-evaluation (new day, changed audience). */
    evaluationCheckMs: number;
  };
}

/** The only place the enrichment service reads its environment. */
export function loadEnrichmentConfig(
  env: NodeJS.ProcessEnv = process.env,
): Readonly<EnrichmentConfig> {
  const reader = new EnvReader(env);
  const platform = readPlatformConfig(reader, {
    service: 'enrichment',
    port: 8082,
    database: 'tessera_enrichment',
    partitionsConcurrency: 4,
  });
  return reader.done({
    ...platform,
    adminToken: reader.secret('ADMIN_TOKEN', { minLength: 16 }),
    fold: {
      defaultRegion: defaultRegion(reader),
      dailyRetentionDays: reader.integer('ENRICHMENT_DAILY_RETENTION_DAYS', {
        default: 90,
        min: 1,
        max: 3_660,
      }),
    },
    audiences: {
      refreshMs: reader.integer('AUDIENCE_REFRESH_MS', { default: 2_000, min: 100, max: 600_000 }),
      evaluationCheckMs: reader.integer('AUDIENCE_EVALUATION_CHECK_MS', {
        default: 5_000,
        min: 100,
        max: 3_600_000,
      }),
    },
  });
}

/** The same variable as the identity service reads: both services normalise phones alike. */
function defaultRegion(reader: EnvReader): FoldOptions['defaultRegion'] {
  const name = 'IDENTITY_DEFAULT_REGION';
  try {
    return identityRules({ defaultRegion: reader.optionalString(name) }).defaultRegion;
  } catch (error) {
    if (!(error instanceof InvalidIdentityRulesError)) throw error;
    reader.problem(name, `is not usable: ${error.message}`);
    return 'US';
  }
}
