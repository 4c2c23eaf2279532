/** An event ready to send: its serialized form is computed once, for sizing and for the body. */
export interface OutgoingEvent {
  row: number;
  messageId: string;
  json: string;
}

/** A row that was not accepted, as the report records it. */
export interface RowRejection {
  row: number;
  reason: string;
  message: string;
  /** Null when the row never became an event (bad JSON, a bad cell). */
  messageId: string | null;
}

/**
 * The rows from firstRow to lastRow: those that became events travel in one request; the others
 * were rejected locally. The checkpoint passes the whole range once the request is answered.
 */
export interface ImportBatch {
  firstRow: number;
  lastRow: number;
  events: OutgoingEvent[];
  rejections: RowRejection[];
}
