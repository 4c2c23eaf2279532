import {
  identityRules,
  InvalidIdentityRulesError,
  type IdentityRules,
  type IdentityRulesInput,
} from './identity-rules';

/**
 * What reading the rules needs from a configuration reader (the platform's EnvReader has it);
 * structural, so this domain library imports no framework.
 */
export interface RuleSettingsReader {
  optionalString(name: string): string | undefined;
  list(name: string, options: { default: string[] }): string[];
  integer(name: string, options: { default: number; min?: number }): number;
  problem(name: string, message: string): void;
}

/** The variable each identity rule is read from. */
export const IDENTITY_RULE_VARIABLES: Readonly<Record<keyof IdentityRulesInput, string>> = {
  defaultRegion: 'IDENTITY_DEFAULT_REGION',
  blockedPatterns: 'IDENTITY_BLOCKED_PATTERNS',
  externalIdTraits: 'IDENTITY_EXTERNAL_ID_TRAITS',
  limits: 'IDENTITY_LIMITS',
  defaultLimit: 'IDENTITY_DEFAULT_LIMIT',
  limitWindowMs: 'IDENTITY_LIMIT_WINDOW_SECONDS',
  priority: 'IDENTITY_PRIORITY',
};

/**
 * The identity rules from their IDENTITY_* settings. The identity service resolves with them; the
 * ingestion service extracts identifiers with them to match its suppression list, so both read
 * the same variables the same way. A bad value is reported to the reader, naming the variable.
 */
export function readIdentityRules(reader: RuleSettingsReader): IdentityRules {
  const names = IDENTITY_RULE_VARIABLES;
  const input: IdentityRulesInput = {
    defaultRegion: reader.optionalString(names.defaultRegion),
    blockedPatterns: jsonStrings(reader, names.blockedPatterns),
    externalIdTraits: reader.list(names.externalIdTraits, { default: [] }),
    limits: limits(reader, names.limits),
    defaultLimit: reader.integer(names.defaultLimit, { default: 5, min: 1 }),
    limitWindowMs: reader.integer(names.limitWindowMs, { default: 0, min: 0 }) * 1000,
    priority: reader.list(names.priority, { default: ['user_id', 'email', 'phone'] }),
  };
  try {
    return identityRules(input);
  } catch (error) {
    if (!(error instanceof InvalidIdentityRulesError)) throw error;
    const setting = error.setting.split(/[.[]/)[0] as keyof IdentityRulesInput;
    reader.problem(names[setting] ?? setting, `is not usable: ${error.message}`);
    return identityRules();
  }
}

/** `user_id=1,email=3` as a map. */
function limits(reader: RuleSettingsReader, name: string): Record<string, number> {
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
function jsonStrings(reader: RuleSettingsReader, name: string): string[] {
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
