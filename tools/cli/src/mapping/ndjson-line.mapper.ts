import { RowRejectedError } from './row-rejected.error';
import { defaultType, type EventDefaults, type SegmentEvent } from './segment-event';

/** An NDJSON line is a Segment event already; only a missing type (and track event name) is filled. */
export function mapNdjsonLine(line: string, defaults: EventDefaults): SegmentEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (error) {
    throw new RowRejectedError('invalid_json', `the line is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new RowRejectedError('invalid_json', 'the line is not a JSON object');
  }
  const event = parsed as SegmentEvent;
  event.type ??= defaultType(event.event != null || defaults.event !== undefined, defaults);
  if (event.type === 'track' && defaults.event !== undefined) event.event ??= defaults.event;
  return event;
}
