import { Schema } from 'mongoose';

export const PRIVACY_REQUEST_MODEL = 'PrivacyRequest';

export interface ServiceStatusDocument {
  status: 'pending' | 'done' | 'failed';
  detail: string | null;
  at: Date | null;
}

/** A privacy request: the identifier only as its type and keyed hash, never its value. */
export interface PrivacyRequestDocument {
  _id: string;
  type: string;
  identifierType: string;
  identifierHash: string;
  requestedAt: Date;
  /** One entry per service (ingestion, identity, enrichment, activation). */
  services: Record<string, ServiceStatusDocument>;
}

/** Read and updated by `_id` only (GET by id, one status record at a time), so no other index. */
export const PrivacyRequestSchema = new Schema<PrivacyRequestDocument>(
  {
    _id: { type: String, required: true },
    type: { type: String, required: true },
    identifierType: { type: String, required: true },
    identifierHash: { type: String, required: true },
    requestedAt: { type: Date, required: true },
    services: { type: Schema.Types.Mixed, required: true },
  },
  { collection: 'privacy_requests', versionKey: false, minimize: false },
);

export const SUPPRESSION_MODEL = 'Suppression';

/** One suppressed identifier, by its keyed hash. */
export interface SuppressionDocument {
  /** identifierHash of the normalised identifier. */
  _id: string;
  /** The request that suppressed it. */
  requestId: string;
  /** When identity resolved that request. */
  at: Date;
}

/** Read whole (every replica holds the list in memory) and written by `_id`: no other index. */
export const SuppressionSchema = new Schema<SuppressionDocument>(
  {
    _id: { type: String, required: true },
    requestId: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { collection: 'suppressions', versionKey: false },
);

export const PRIVACY_IDEMPOTENCY_KEY_MODEL = 'PrivacyIdempotencyKey';

/** An Idempotency-Key a client sent with a privacy request, and the request it stands for. */
export interface PrivacyIdempotencyKeyDocument {
  /** HMAC of the key (PRIVACY_HASH_KEY): a client could put personal data in it. */
  _id: string;
  requestId: string;
  /** When it was first used; the same key then stands for the same request for 24 hours. */
  at: Date;
}

/** Claimed by insert and read by `_id` only: no other index. */
export const PrivacyIdempotencyKeySchema = new Schema<PrivacyIdempotencyKeyDocument>(
  {
    _id: { type: String, required: true },
    requestId: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { collection: 'privacy_idempotency_keys', versionKey: false },
);
