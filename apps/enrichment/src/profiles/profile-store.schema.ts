import { Schema } from 'mongoose';

export const PROFILE_MODEL = 'Profile';
export const TIMELINE_MODEL = 'TimelineEvent';
export const IDENTIFIER_MODEL = 'IdentifierLookup';
export const AUDIENCE_MODEL = 'Audience';
export const EVALUATION_MODEL = 'AudienceEvaluation';
export const COMPUTED_TRAIT_MODEL = 'ComputedTrait';
export const ERASED_PROFILE_MODEL = 'ErasedProfile';

/**
 * One profile. A live profile has `state`; one being merged away is frozen (`mergingInto`, no
 * more writes) until its state is folded into the survivor, then kept as a pointer
 * (`mergedInto`, no state). Every write is conditional on `version` (optimistic concurrency).
 */
export interface ProfileDocument {
  _id: string;
  version: number;
  /** The ProfileState as JSON text: trait and event names may hold `.` and `$`, field names may not. */
  state: string | null;
  /** Every profile merged into this one, directly or through others. */
  absorbed: string[];
  /**
   * messageIds folded by the last writes whose timeline entries may not be stored yet: a
   * redelivered event found here is not folded again.
   */
  inflight: string[];
  mergingInto: string | null;
  mergedInto: string | null;
  /** What the last change altered, so a republished snapshot says the same. */
  changed: string[];
  /** The audiences the profile is a member of, sorted. */
  audiences: string[];
  /** Entered / exited changes of the last write, so a republish says them again. */
  audienceChanges: AudienceChange[];
  updatedAt: number;
}

export interface AudienceChange {
  audienceId: string;
  change: 'entered' | 'exited';
  /** condition, definition or merged (see the AudienceMembership schema). */
  reason: string;
}

/**
 * One event on a profile's timeline; `_id` is the messageId, so an event is stored once. Stored
 * after its profile was written and published: its existence is the record that it was folded.
 */
export interface TimelineDocument {
  _id: string;
  /** The profile the identity service resolved the event to (merges are followed on read). */
  profileId: string;
  at: number;
  type: string;
  event: string | null;
  name: string | null;
  sourceId: string;
  /** JSON text of the properties (field names may hold `.` and `$`). */
  properties: string;
  receivedAt: number;
}

/** `<type>:<value>` of an identifier -> the profile that first held it (merges followed on read). */
export interface IdentifierDocument {
  _id: string;
  profileId: string;
}

// Reads and writes are by `_id` (single documents, `$in` batches), except the members page.
export const ProfileSchema = new Schema<ProfileDocument>(
  {
    _id: String,
    version: Number,
    state: { type: String, default: null },
    absorbed: { type: [String], default: [] },
    inflight: { type: [String], default: [] },
    mergingInto: { type: String, default: null },
    mergedInto: { type: String, default: null },
    changed: { type: [String], default: [] },
    audiences: { type: [String], default: [] },
    audienceChanges: { type: [Object], default: [] },
    updatedAt: Number,
  },
  { collection: 'profiles', versionKey: false },
);
// Serves the members page of an audience (MongoDB; FerretDB v1 scans, see docs/profiles.md).
ProfileSchema.index({ audiences: 1, _id: 1 });

export const TimelineSchema = new Schema<TimelineDocument>(
  {
    _id: String,
    profileId: String,
    at: Number,
    type: String,
    event: { type: String, default: null },
    name: { type: String, default: null },
    sourceId: String,
    properties: String,
    receivedAt: Number,
  },
  { collection: 'timeline', versionKey: false },
);
// Serves the timeline page of a profile: its events (and those of profiles merged into it) newest first.
TimelineSchema.index({ profileId: 1, at: -1 });

export const IdentifierSchema = new Schema<IdentifierDocument>(
  { _id: String, profileId: String },
  { collection: 'identifiers', versionKey: false },
);
// Serves the deletion of every link to a deleted profile (privacy requests; FerretDB v1 may scan).
IdentifierSchema.index({ profileId: 1 });

/** An audience definition, as created through the admin API. */
export interface AudienceDocument {
  _id: string;
  name: string;
  description: string;
  /** The AudienceCondition as JSON text (field names in it may hold `.`). */
  condition: string;
  dependsOnTime: boolean;
  /** The evaluation revision this version of the audience made; evaluated once that one ran. */
  revision: number;
  createdAt: number;
  updatedAt: number;
}

/**
 * The one record of re-evaluating every profile against the audiences: due when a definition
 * changed since the last run (`revision`) or a new UTC day began and an audience depends on time.
 * A replica runs it under a lease, so a replica that stops mid-way is taken over.
 */
export interface EvaluationDocument {
  _id: 'audiences';
  revision: number;
  evaluatedRevision: number;
  evaluatedDay: number;
  /** When a definition last changed: replicas pick it up before the evaluation starts. */
  changedAt: number;
  /** Since when runs end with profiles waiting for their timeline; null when the last run finished. */
  waitingSince: number | null;
  lease: { owner: string; until: number } | null;
}

export const AudienceSchema = new Schema<AudienceDocument>(
  {
    _id: String,
    name: String,
    description: { type: String, default: '' },
    condition: String,
    dependsOnTime: Boolean,
    revision: Number,
    createdAt: Number,
    updatedAt: Number,
  },
  { collection: 'audiences', versionKey: false },
);

export const EvaluationSchema = new Schema<EvaluationDocument>(
  {
    _id: String,
    revision: Number,
    evaluatedRevision: Number,
    evaluatedDay: Number,
    changedAt: Number,
    waitingSince: { type: Number, default: null },
    lease: { type: Object, default: null },
  },
  { collection: 'audience_evaluation', versionKey: false },
);

/** A user-defined computed trait, as created through the admin API (`_id` is its id). */
export interface ComputedTraitDocument {
  _id: string;
  event: string;
  property: string | null;
  aggregate: string;
  withinDays: number | null;
  /** The evaluation revision its creation made; every profile is backfilled once that one ran. */
  revision: number;
  createdAt: number;
}

export const ComputedTraitSchema = new Schema<ComputedTraitDocument>(
  {
    _id: String,
    event: String,
    property: { type: String, default: null },
    aggregate: String,
    withinDays: { type: Number, default: null },
    revision: Number,
    createdAt: Number,
  },
  { collection: 'computed_traits', versionKey: false },
);

/** What a privacy request deleted, counted before it deleted it (so a redelivery reports the same). */
export interface ErasureCounts {
  profiles: number;
  timelineEvents: number;
  identifiers: number;
  audienceMemberships: number;
}

/**
 * A profile deleted by a privacy request (`_id` is its id, opaque: not personal data). An event or
 * a merge of it that was still on its way is dropped instead of bringing the profile back.
 */
export interface ErasedProfileDocument {
  _id: string;
  requestId: string;
  at: number;
  /** On the request's live profile only: what the request deleted. */
  deleted: ErasureCounts | null;
}

export const ErasedProfileSchema = new Schema<ErasedProfileDocument>(
  {
    _id: String,
    requestId: String,
    at: Number,
    deleted: { type: Object, default: null },
  },
  { collection: 'erased_profiles', versionKey: false },
);
