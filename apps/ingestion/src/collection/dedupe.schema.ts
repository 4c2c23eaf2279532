import { Schema } from 'mongoose';

export const DEDUPE_MODEL = 'DedupeEntry';

/**
 * Two kinds of entry, written by insert on the hot path (FerretDB's SQLite backend finds
 * documents by `_id` fast but scans for updates and `$in`):
 * - `c:<sourceId>:<messageId>` claims a messageId for the request `r`; `c<n>:<sourceId>:<messageId>`
 *   is the n-th take-over of that claim by a later request;
 * - `a:<r>` says Kafka acknowledged every event request `r` claimed;
 * - `f:<r>` says request `r` failed, so its claims may be taken over at once.
 */
export interface DedupeDocument {
  _id: string;
  /** When the entry was written; the window is measured from the claim's time. */
  at: Date;
  /** On a claim: the request that holds it. */
  r?: string;
}

export const DedupeSchema = new Schema<DedupeDocument>(
  {
    _id: { type: String, required: true },
    at: { type: Date, required: true },
    r: { type: String },
  },
  { collection: 'dedupe', versionKey: false },
);
// Serves the sweep that deletes entries older than the window (FerretDB has no TTL indexes).
DedupeSchema.index({ at: 1 });
