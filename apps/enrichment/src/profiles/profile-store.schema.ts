import { Schema } from 'mongoose';

export const PROFILE_MODEL = 'Profile';
export const TIMELINE_MODEL = 'TimelineEvent';
export const IDENTIFIER_MODEL = 'IdentifierLookup';

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
   * messageIds folded by the last writes whose timeline entries may not be marked applied yet:
   * a redelivered event found here is not folded again.
   */
  inflight: string[];
  mergingInto: string | null;
  mergedInto: string | null;
  /** What the last change altered, so a republished snapshot says the same. */
  changed: string[];
  updatedAt: number;
}

/** One event on a profile's timeline; `_id` is the messageId, so an event is stored once. */
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
  /** True once the event is folded into its profile and the inflight mark may go. */
  applied: boolean;
}

/** `<type>:<value>` of an identifier -> the profile that first held it (merges followed on read). */
export interface IdentifierDocument {
  _id: string;
  profileId: string;
}

// Reads and writes by `_id` (single documents, `$in` batches) need no other index.
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
    updatedAt: Number,
  },
  { collection: 'profiles', versionKey: false },
);

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
    applied: Boolean,
  },
  { collection: 'timeline', versionKey: false },
);
// Serves the timeline page of a profile: its events (and those of profiles merged into it) newest first.
TimelineSchema.index({ profileId: 1, at: -1 });

export const IdentifierSchema = new Schema<IdentifierDocument>(
  { _id: String, profileId: String },
  { collection: 'identifiers', versionKey: false },
);
