import type { OutgoingEvent } from './import-batch';

/** `{"batch":[],"sentAt":"<24-character ISO date>"}`: the bytes of a request besides its events. */
export const BODY_OVERHEAD_BYTES = Buffer.byteLength(
  JSON.stringify({ batch: [], sentAt: new Date(0).toISOString() }),
);

/** The `POST /v1/batch` body, from events serialized beforehand so its size is known in advance. */
export function renderBatchBody(events: readonly OutgoingEvent[], sentAt: Date): string {
  const batch = events.map((event) => event.json).join(',');
  return `{"batch":[${batch}],"sentAt":${JSON.stringify(sentAt.toISOString())}}`;
}
