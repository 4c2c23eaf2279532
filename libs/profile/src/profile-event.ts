import type { JsonObject, JsonValue, ResolvedEvent } from '@tessera/contracts';
import type { Identifier } from '@tessera/identity';

/** What a profile learns from one resolved event: the facts the fold reads, nothing else. */
export interface ProfileEvent {
  messageId: string;
  /** The Segment call: track, identify, page, screen, group or alias. */
  type: string;
  /** Name of a track call, e.g. `Order Completed`. */
  event: string | null;
  /** When it happened: the client's (skew-corrected) timestamp, else when ingestion received it. */
  at: number;
  sourceId: string;
  identifiers: Identifier[];
  /** Person traits: an identify call's traits, and `context.traits` of any call. */
  traits: JsonObject;
  properties: JsonObject;
  /** `context.consent.categoryPreferences`, when the event carries it. */
  consent: Record<string, boolean> | null;
  userAgent: string | null;
}

/** The profile facts of a resolved event. A group call's traits describe the group, not the person. */
export function profileEventOf(resolved: ResolvedEvent): ProfileEvent {
  const context = resolved.context ?? {};
  const contextTraits = objectAt(context, 'traits');
  const ownTraits = resolved.type === 'identify' ? (resolved.traits ?? {}) : {};
  const unlinked = new Set(resolved.unlinked.map(({ type, value }) => `${type}:${value}`));
  return {
    messageId: resolved.messageId,
    type: resolved.type,
    event: resolved.type === 'track' ? resolved.event : null,
    at: resolved.timestamp ?? resolved.receivedAt,
    sourceId: resolved.sourceId,
    // Only what the identity graph linked to the profile: an identifier a rule kept out (a shared
    // device, a second user id) belongs to another profile.
    identifiers: resolved.identifiers
      .filter(({ type, value }) => !unlinked.has(`${type}:${value}`))
      .map(({ type, value }) => ({ type, value })),
    traits: { ...contextTraits, ...ownTraits },
    properties: resolved.properties ?? {},
    consent: consentOf(objectAt(objectAt(context, 'consent'), 'categoryPreferences')),
    userAgent: typeof context.userAgent === 'string' ? context.userAgent : null,
  };
}

function objectAt(object: JsonObject, key: string): JsonObject {
  const value: JsonValue | undefined = object[key];
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
}

/** Only boolean preferences count; an empty object is no consent information at all. */
function consentOf(preferences: JsonObject): Record<string, boolean> | null {
  const entries = Object.entries(preferences).filter(
    (entry): entry is [string, boolean] => typeof entry[1] === 'boolean',
  );
  return entries.length === 0 ? null : Object.fromEntries(entries);
}
