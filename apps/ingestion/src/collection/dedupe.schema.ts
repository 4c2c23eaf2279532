import { Schema } from 'mongoose';

export const DEDUPE_MODEL = 'DedupeEntry';

export interface DedupeDocument {
  /** `<sourceId>:<messageId>`: the unique `_id` is what makes one claim win across replicas. */
  _id: string;
  /** When the messageId was claimed; the window is measured from it. */
  at: Date;
  /** True once Kafka acknowledged the event; an unconfirmed claim never suppresses a retry. */
  confirmed: boolean;
}

export const DedupeSchema = new Schema<DedupeDocument>(
  {
    _id: { type: String, required: true },
    at: { type: Date, required: true },
    confirmed: { type: Boolean, required: true },
  },
  { collection: 'dedupe', versionKey: false },
);
// Serves the sweep that deletes entries older than the window (FerretDB has no TTL indexes).
DedupeSchema.index({ at: 1 });
