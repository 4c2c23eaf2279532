export { changedFields } from './changed-fields';
export { computedTraits, countInWindow } from './computed-traits';
export type { ComputedTraits } from './computed-traits';
export { foldEvents, mergeProfiles, ORDER_COMPLETED, profileOf, revenueOf } from './fold-profile';
export { countryCode, normaliseTraits } from './normalise-traits';
export type { TraitRules } from './normalise-traits';
export { profileEventOf } from './profile-event';
export type { ProfileEvent } from './profile-event';
export { DAY_MS, dayOf, emptyProfile, isLater, MINOR_UNITS } from './profile-state';
export type {
  Activity,
  Consent,
  Device,
  FoldOptions,
  ProfileState,
  Stamp,
  TraitEntry,
} from './profile-state';
export { deviceOf } from './user-agent';
export {
  COMPARISONS,
  dependsOnTime,
  InvalidAudienceConditionError,
  meetsCondition,
  parseAudienceCondition,
} from './audience-condition';
export type {
  AudienceCondition,
  Comparison,
  ComputedName,
  ConditionLimits,
} from './audience-condition';
export {
  AGGREGATES,
  bucketKeyOf,
  customOfHistory,
  customTraitValue,
  InvalidComputedTraitError,
  newProfile,
  parseComputedTrait,
} from './custom-traits';
export type { Aggregate, Bucket, ComputedTraitDefinition, CustomTraitState } from './custom-traits';
