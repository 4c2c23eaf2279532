export interface EventTimes {
  receivedAt: number;
  sentAt: number | null;
  /** The client's own time of the event (Segment's `timestamp` as sent, or `originalTimestamp`). */
  originalTimestamp: number | null;
}

/**
 * The event time on the server's clock, as the Segment spec corrects it: when the client says
 * when it sent the request, its clock offset is `sentAt - receivedAt`, and the event time is
 * `receivedAt - (sentAt - originalTimestamp)`. Without `sentAt` the client's time is taken as is;
 * without any client time, the time it was received.
 */
export function correctedTimestamp({ receivedAt, sentAt, originalTimestamp }: EventTimes): number {
  if (originalTimestamp === null) return receivedAt;
  if (sentAt === null) return originalTimestamp;
  return receivedAt - (sentAt - originalTimestamp);
}
