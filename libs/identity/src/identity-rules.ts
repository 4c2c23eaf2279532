import type { CountryCode } from 'libphonenumber-js';
import { getCountries } from 'libphonenumber-js';
import { IDENTIFIER_TYPE } from './identifier';

/** How identifiers are read, normalised and linked. Built once from configuration. */
export interface IdentityRules {
  /** Region of phone numbers written without a country code (ISO 3166 alpha-2). */
  defaultRegion: CountryCode;
  /** Values of any type that never link anything (on top of the built-in list). */
  blockedPatterns: RegExp[];
  /** Trait names read as external ids, e.g. `crm_id` (also from `context.traits`). */
  externalIdTraits: string[];
  /** Identifiers of a type one profile may hold; types not listed get `defaultLimit`. */
  limits: Record<string, number>;
  defaultLimit: number;
  /** Count only identifiers linked within this window towards a limit; 0 = for ever. */
  limitWindowMs: number;
  /** Types from most to least important; unlisted types come after, in name order. */
  priority: string[];
}

export const DEFAULT_IDENTITY_RULES: Readonly<IdentityRules> = Object.freeze({
  defaultRegion: 'US',
  blockedPatterns: [],
  externalIdTraits: [],
  limits: { user_id: 1 },
  defaultLimit: 5,
  limitWindowMs: 0,
  priority: ['user_id', 'email', 'phone'],
});

/** A rule that cannot be used, naming the setting. */
export class InvalidIdentityRulesError extends Error {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`${setting}: ${message}`);
    this.name = 'InvalidIdentityRulesError';
  }
}

export interface IdentityRulesInput {
  defaultRegion?: string;
  blockedPatterns?: string[];
  externalIdTraits?: string[];
  limits?: Record<string, number>;
  defaultLimit?: number;
  limitWindowMs?: number;
  priority?: string[];
}

/** Checks and completes rules from configuration; throws InvalidIdentityRulesError naming the bad setting. */
export function identityRules(input: IdentityRulesInput = {}): IdentityRules {
  const defaults = DEFAULT_IDENTITY_RULES;
  const region = (input.defaultRegion ?? defaults.defaultRegion).toUpperCase();
  if (!(getCountries() as string[]).includes(region))
    throw new InvalidIdentityRulesError('defaultRegion', `${region} is not an ISO 3166 region`);
  const blockedPatterns = (input.blockedPatterns ?? []).map((pattern, index) => {
    try {
      return new RegExp(pattern, 'iu');
    } catch (error) {
      throw new InvalidIdentityRulesError(
        `blockedPatterns[${index}]`,
        `not a regular expression: ${(error as Error).message}`,
      );
    }
  });
  const types = (setting: string, names: string[]) => {
    names.forEach((name, index) => {
      if (!IDENTIFIER_TYPE.test(name))
        throw new InvalidIdentityRulesError(
          `${setting}[${index}]`,
          `${JSON.stringify(name)} is not an identifier type (lower-case snake case)`,
        );
    });
    return names;
  };
  const count = (setting: string, value: number) => {
    if (!Number.isInteger(value) || value < 1)
      throw new InvalidIdentityRulesError(setting, `${value} is not a whole number of at least 1`);
    return value;
  };
  const limits = { ...defaults.limits, ...(input.limits ?? {}) };
  for (const [type, limit] of Object.entries(limits)) {
    types('limits', [type]);
    count(`limits.${type}`, limit);
  }
  const limitWindowMs = input.limitWindowMs ?? defaults.limitWindowMs;
  if (!Number.isInteger(limitWindowMs) || limitWindowMs < 0)
    throw new InvalidIdentityRulesError('limitWindowMs', `${limitWindowMs} is not a duration`);
  const priority = types('priority', input.priority ?? defaults.priority);
  if (new Set(priority).size !== priority.length)
    throw new InvalidIdentityRulesError('priority', 'names a type twice');
  return {
    defaultRegion: region as CountryCode,
    blockedPatterns,
    externalIdTraits: types('externalIdTraits', input.externalIdTraits ?? []),
    limits,
    defaultLimit: count('defaultLimit', input.defaultLimit ?? defaults.defaultLimit),
    limitWindowMs,
    priority,
  };
}

/** How many identifiers of the type one profile may hold. */
export function limitOf(rules: IdentityRules, type: string): number {
  return rules.limits[type] ?? rules.defaultLimit;
}

/**
 * Orders types from most to least important: the configured priority first, then the others by
 * name, so every replica breaks ties the same way.
 */
export function compareTypePriority(rules: IdentityRules, a: string, b: string): number {
  const rank = (type: string) => {
    const index = rules.priority.indexOf(type);
    return index === -1 ? rules.priority.length : index;
  };
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}
