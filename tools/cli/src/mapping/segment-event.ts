export const EVENT_TYPES = ['track', 'identify', 'page', 'screen', 'group', 'alias'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** A Segment spec event as the CLI builds it; the server is the one that validates it fully. */
export type SegmentEvent = Record<string, unknown>;

/** What the command line fills in where a row says nothing. */
export interface EventDefaults {
  type?: EventType;
  event?: string;
}

export function isEventType(value: unknown): value is EventType {
  return (EVENT_TYPES as readonly unknown[]).includes(value);
}

/** `--type` if given, else `track` for a row naming an event and `identify` for one that does not. */
export function defaultType(hasEvent: boolean, defaults: EventDefaults): EventType {
  return defaults.type ?? (hasEvent ? 'track' : 'identify');
}

/** Where values without a mapping go: identify and group carry traits, the other types properties. */
export function freeFieldContainer(type: unknown): 'traits' | 'properties' {
  return type === 'identify' || type === 'group' ? 'traits' : 'properties';
}
