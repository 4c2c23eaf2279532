import {
  identityRules,
  InvalidIdentityRulesError,
  type IdentityRules,
  type IdentityRulesInput,
} from '@tessera/identity';
import { EnvReader, readPlatformConfig, type PlatformConfig } from '@tessera/platform-config';

export interface IdentityConfig extends PlatformConfig {
  /** Bearer token of the identity API (it answers with personal data). */
  adminToken: string;
  rules: IdentityRules;
  /** How long a replica may hold a profile while it resolves an event; a crashed holder's lock expires after it. */
  lockLeaseMs: number;
}

/** The variable each identity rule is read from. */
const RULE_VARIABLES: Record<keyof IdentityRulesInput, string> = {
  defaultRegion: 'IDENTITY_DEFAULT_REGION',
  blockedPatterns: 'IDENTITY_BLOCKED_PATTERNS',
  externalIdTraits: 'IDENTITY_EXTERNAL_ID_TRAITS',
  limits: 'IDENTITY_LIMITS',
  defaultLimit: 'IDENTITY_DEFAULT_LIMIT',
  limitWindowMs: 'IDENTITY_LIMIT_WINDOW_SECONDS',
  priority: 'IDENTITY_PRIORITY',
};

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
  const input: IdentityRulesInput = {
    defaultRegion: reader.optionalString(RULE_VARIABLES.defaultRegion),
    blockedPatterns: jsonStrings(reader, RULE_VARIABLES.blockedPatterns),
    externalIdTraits: reader.list(RULE_VARIABLES.externalIdTraits, { default: [] }),
    limits: limits(reader, RULE_VARIABLES.limits),
    defaultLimit: reader.integer(RULE_VARIABLES.defaultLimit, { default: 5, min: 1 }),
    limitWindowMs: reader.integer(RULE_VARIABLES.limitWindowMs, { default: 0, min: 0 }) * 1000,
    priority: reader.list(RULE_VARIABLES.priority, { default: ['user_id', 'email', 'phone'] }),
  };
  let rules: IdentityRules = identityRules();
  try {
    rules = identityRules(input);
  } catch (error) {
    if (!(error instanceof InvalidIdentityRulesError)) throw error;
    const setting = error.setting.split(/[.[]/)[0] as keyof IdentityRulesInput;
    reader.problem(RULE_VARIABLES[setting] ?? setting, `is not usable: ${error.message}`);
  }
  return reader.done({
    ...platform,
    adminToken: reader.secret('ADMIN_TOKEN', { minLength: 16 }),
    rules,
    lockLeaseMs: reader.integer('IDENTITY_LOCK_LEASE_MS', {
      default: 10_000,
      min: 100,
      max: 300_000,
    }),
  });
}

/** `user_id=1,email=3` as a map. */
function limits(reader: EnvReader, name: string): Record<string, number> {
  const entries = reader.list(name, { default: [] });
  const parsed: Record<string, number> = {};
  for (const entry of entries) {
    const match = /^([a-z][a-z0-9_]*)\s*=\s*(\d+)$/.exec(entry);
    if (!match) reader.problem(name, `entry ${JSON.stringify(entry)} is not <type>=<count>`);
    else parsed[match[1]] = Number(match[2]);
  }
  return parsed;
}

/** A JSON array of strings (regular expressions contain commas, so not a comma list). */
function jsonStrings(reader: EnvReader, name: string): string[] {
  const raw = reader.optionalString(name);
  if (raw === undefined) return [];
  try {
    const value: unknown = JSON.parse(raw);
    if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value;
  } catch {
    // reported below
  }
  reader.problem(name, 'is not a JSON array of strings, e.g. ["^test-", "@example\\\\.com$"]');
  return [];
}
