import { Schema } from 'mongoose';

export const DEDUPE_MODEL = 'DedupeEntry';

/**
 * Two kinds of entry, both written by insert only (FerretDB's SQLite backend finds documents by
 * `_id` fast but scans for updates and `$in`): `c:<sourceId>:<messageId>` claims a messageId for
 * a request; `k:<sourceId>:<messageId>` records that Kafka acknowledged it.
 */
export interface DedupeDocument {
  _id: string;
  /** When the entry was written; the window is measured from it. */
  at: Date;
}

export const DedupeSchema = new Schema<DedupeDocument>(
  {
    _id: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { collection: 'dedupe', versionKey: false },
);
// Serves the sweep that deletes entries older than the window (FerretDB has no TTL indexes).
DedupeSchema.index({ at: 1 });
