import type { EventKey } from './generated/schema-types';

/**
 * The key of an event on the accepted and resolved topics: its userId, else its anonymousId (else
 * its messageId, for a record that has neither). Every copy of one event has the same key, so the
 * copies land on one partition whatever profile each was resolved to.
 */
export function eventKeyOf(event: {
  messageId: string;
  userId: string | null;
  anonymousId: string | null;
}): EventKey {
  return { key: event.userId ?? event.anonymousId ?? event.messageId };
}
