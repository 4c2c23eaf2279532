import type { PrivacyRequestType } from '@tessera/contracts';
import { Schema } from 'mongoose';

export const TOMBSTONE_MODEL = 'PrivacyTombstone';
export const PRIVACY_REQUEST_MODEL = 'PrivacyRequestRecord';

/** `_id` of the one document of `privacy_tombstones` that is no tombstone: the deletion counter. */
export const DELETIONS_ID = 'deletions';

/**
 * What the identity service keeps of an identifier a privacy request named: its hash only
 * (`_id` = HMAC-SHA256 of `<type>:<value>` under PRIVACY_HASH_KEY), never the identifier.
 */
export interface TombstoneDocument {
  _id: string;
  /** The last request that changed it. */
  requestId: string;
  /** When its profile was last deleted; events received before then are dropped. */
  deletedAt: Date | null;
  /** Whether events carrying it are dropped. */
  suppressed: boolean;
  /** The request that suppressed it (every hash suppressed with it shares it); null once lifted. */
  group: string | null;
}

/** The deletion counter: moves after every deletion, so replicas know their caches may be stale. */
export interface DeletionsDocument {
  _id: typeof DELETIONS_ID;
  count: number;
}

/**
 * A privacy request's outcome, written before any of its effects (hashes only), so a redelivered
 * request finishes the work and publishes the same resolution.
 */
export interface PrivacyRequestDocument {
  _id: string;
  type: PrivacyRequestType;
  /** `resolved`: decided, effects under way; `done`: every effect is durable. */
  state: 'resolved' | 'done';
  /** Whether the identifier (for unsuppress: a suppression of it) was found. */
  found: boolean;
  profileId: string | null;
  profileIds: string[];
  identifierHashes: string[];
  /** unsuppress: the suppression group it lifts. */
  group: string | null;
  /** delete, suppress_with_delete: the time of the deletion (what was written before it goes). */
  deletedAt: Date | null;
  resolvedAt: Date;
}

// Read and written by `_id` only (single documents and `$in` batches): no other index.
export const TombstoneSchema = new Schema<TombstoneDocument>(
  {
    _id: String,
    requestId: String,
    deletedAt: { type: Date, default: null },
    suppressed: { type: Boolean, default: false },
    group: { type: String, default: null },
  },
  { collection: 'privacy_tombstones', versionKey: false },
);

// Read and written by `_id` (the request id) only.
export const PrivacyRequestSchema = new Schema<PrivacyRequestDocument>(
  {
    _id: String,
    type: String,
    state: String,
    found: Boolean,
    profileId: { type: String, default: null },
    profileIds: [String],
    identifierHashes: [String],
    group: { type: String, default: null },
    deletedAt: { type: Date, default: null },
    resolvedAt: Date,
  },
  { collection: 'privacy_requests', versionKey: false },
);
