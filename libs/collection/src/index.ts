export { correctedTimestamp } from './clock-skew';
export type { EventTimes } from './clock-skew';
export type { FieldProblem } from './field-problem';
export { EVENT_TYPES, parseSegmentEvent } from './segment-event-parser';
export type { BatchDefaults, ParseOptions, ParseResult } from './segment-event-parser';
export { TokenBucket } from './token-bucket';
export { InvalidTrackingPlanError, TrackingPlan } from './tracking-plan';
export type { PlanMode, PlanVerdict, TrackingPlanDefinition } from './tracking-plan';
