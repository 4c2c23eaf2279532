import { Schema } from 'mongoose';

export const SOURCE_MODEL = 'Source';
export const WRITE_KEY_MODEL = 'WriteKey';

export interface SourceDocument {
  _id: string;
  name: string;
  enabled: boolean;
  createdAt: Date;
  rateLimit: { eventsPerSecond: number; burst: number } | null;
  /** JSON text: JSON Schemas use keys ($ref, $defs, dotted names) a document store may refuse. */
  trackingPlan: string | null;
  version: number;
}

/** Sources are read by `_id` only (after the write key lookup), so no other index is needed. */
export const SourceSchema = new Schema<SourceDocument>(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    enabled: { type: Boolean, required: true },
    createdAt: { type: Date, required: true },
    rateLimit: { type: Schema.Types.Mixed, default: null },
    trackingPlan: { type: String, default: null },
    version: { type: Number, required: true },
  },
  { collection: 'sources', versionKey: false },
);

export interface WriteKeyDocument {
  /** HMAC-SHA256 of the key with the pepper: the lookup on every request is by `_id`. */
  _id: string;
  sourceId: string;
  prefix: string;
  createdAt: Date;
  expiresAt: Date | null;
}

export const WriteKeySchema = new Schema<WriteKeyDocument>(
  {
    _id: { type: String, required: true },
    sourceId: { type: String, required: true },
    prefix: { type: String, required: true },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, default: null },
  },
  { collection: 'write_keys', versionKey: false },
);
// Serves listing a source's keys and expiring them on rotation.
WriteKeySchema.index({ sourceId: 1 });
