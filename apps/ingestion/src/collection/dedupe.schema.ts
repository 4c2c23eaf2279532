import { Schema } from 'mongoose';

export const DEDUPE_MODEL = 'DedupeEntry';

/**
 * The entries of the messageId window, all written by insert on the hot path:
 * - `c:<digest>` claims a messageId for the request `r` (digest: SHA-256, 22 base64url characters, of
 *   `<sourceId>:<messageId>`); `c<n>:<digest>` is the n-th take-over of that claim;
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
// No index on `at`: the sweep (every 10 minutes) reads the collection once, while an index would
// cost every insert on the hot path (on FerretDB, whose SQLite backend could not use it anyway).
