import { Schema } from 'mongoose';

export const PROFILE_MODEL = 'Profile';
export const IDENTIFIER_MODEL = 'IdentifierLink';
export const MERGE_MODEL = 'Merge';

/** An identifier as a profile holds it (its members). */
export interface MemberEntry {
  type: string;
  value: string;
  /** First seen: when it was linked (epoch ms). */
  linkedAt: number;
  /** Last seen, as profiles written before it moved to the identifier's link kept it (epoch ms). */
  lastSeen?: number;
}

/**
 * A profile of the union-find: a root (`parent: null`) holds the members of its whole component;
 * a merged profile points at the profile it went into (always a smaller id, so no cycle). `lock`
 * is a lease a replica holds while it resolves an event that touches the profile; every write to
 * a root checks the lock's owner, so a replica whose lease ran out cannot write any more.
 */
export interface ProfileDocument {
  _id: string;
  parent: string | null;
  members: MemberEntry[];
  /** Every profile merged into this one, directly or through others. */
  absorbed: string[];
  lock: { owner: string; until: Date } | null;
  /**
   * On a root: a resolution decided under the locks and written here before any of its effects
   * (write-ahead), so whoever holds the root next finishes it if its writer stopped half-way.
   */
  pending?: Intent | null;
  /** On a root that a pending resolution merges into another: that root. */
  pendingInto?: string | null;
  createdAt: Date;
  mergedAt?: Date;
}

/** One merge a resolution makes: `from` (a root this replica holds) goes into `into`. */
export interface MergeStep {
  from: string;
  into: string;
  messageId: string;
  reason: string;
  identifiers: { type: string; value: string }[];
}

/**
 * What resolutions do to a root beyond its members, decided under the locks of every root they
 * touch and written on the root (with its new members) before any of these effects: identifiers
 * to link to it, and roots merged into it (directly or through each other).
 */
export interface Intent {
  /** The (last) event whose resolution wrote it. */
  messageId: string;
  /**
   * Identifiers to link; each to the profile its event resolved to (this root, or one merged into
   * it later in the same batch: the links keep the chain a redelivery follows).
   */
  link: { type: string; value: string; profile?: string }[];
  merges?: MergeStep[];
  at: Date;
  // Written by releases before batch resolution: the roots merged into this one, with the
  // members and absorbed profiles the root has once done (now written with the intent).
  merged?: string[];
  members?: MemberEntry[];
  absorbed?: string[];
  reason?: string;
}

/** `_id` = `<type>:<value>`; the profile it was linked to (follow `parent` for the live one). */
export interface IdentifierDocument {
  _id: string;
  type: string;
  value: string;
  profile: string;
  linkedAt: Date;
  /** Last seen on an event, to the minute. */
  lastSeen?: Date;
}

/** One merge, by the profile merged away (a profile is merged once). */
export interface MergeDocument {
  _id: string;
  into: string;
  reason: string;
  messageId: string;
  identifiers: { type: string; value: string }[];
  at: Date;
}

// Every read and write of the graph is by `_id` (single documents, `$in` batches): no other index.
export const ProfileSchema = new Schema<ProfileDocument>(
  {
    _id: String,
    parent: { type: String, default: null },
    members: [
      { _id: false, type: { type: String }, value: String, linkedAt: Number, lastSeen: Number },
    ],
    absorbed: { type: [String], default: [] },
    lock: { type: Object, default: null },
    pending: { type: Object, default: null },
    pendingInto: { type: String, default: null },
    createdAt: Date,
    mergedAt: Date,
  },
  { collection: 'profiles', versionKey: false },
);

export const IdentifierSchema = new Schema<IdentifierDocument>(
  { _id: String, type: String, value: String, profile: String, linkedAt: Date, lastSeen: Date },
  { collection: 'identifiers', versionKey: false },
);

export const MergeSchema = new Schema<MergeDocument>(
  {
    _id: String,
    into: String,
    reason: String,
    messageId: String,
    identifiers: [{ _id: false, type: { type: String }, value: String }],
    at: Date,
  },
  { collection: 'merges', versionKey: false },
);
