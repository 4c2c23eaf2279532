export { blockedBecause } from './blocked-values';
export { extractIdentifiers } from './extract-identifiers';
export type { DroppedIdentifier, ExtractedIdentifiers } from './extract-identifiers';
export { IDENTIFIER_TYPE, identifierKey, KNOWN_TYPES } from './identifier';
export { identifierHash } from './identifier-hash';
export type { Identifier, KnownIdentifierType } from './identifier';
export {
  compareTypePriority,
  DEFAULT_IDENTITY_RULES,
  identityRules,
  InvalidIdentityRulesError,
  limitOf,
} from './identity-rules';
export type { IdentityRules, IdentityRulesInput } from './identity-rules';
export { IDENTITY_RULE_VARIABLES, readIdentityRules } from './identity-rules-settings';
export type { RuleSettingsReader } from './identity-rules-settings';
export {
  MAX_IDENTIFIER_LENGTH,
  normaliseEmail,
  normaliseIdentifier,
  normalisePhone,
} from './normalise-identifier';
export type { Normalised } from './normalise-identifier';
export { IdentityGraph } from './identity-graph';
export type { MergeRecord } from './identity-graph';
export { byImportance, founderIdOf, profileIdFor, resolveIdentities } from './resolve-identities';
export type {
  Generations,
  GraphSnapshot,
  LinkedIdentifier,
  Resolution,
  ResolveInput,
  UnlinkedIdentifier,
} from './resolve-identities';
export { connectedComponents } from './connected-components';
