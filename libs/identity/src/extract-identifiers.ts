import type { Event, JsonObject, JsonValue } from '@tessera/contracts';
import { IDENTIFIER_TYPE, identifierKey, type Identifier } from './identifier';
import type { IdentityRules } from './identity-rules';
import { normaliseIdentifier } from './normalise-identifier';

/** An identifier the event carried that takes no part in matching, and why (no value: it may be personal data). */
export interface DroppedIdentifier {
  type: string;
  /** Where it was in the event: `traits.email`, `context.externalIds[2]`. */
  path: string;
  reason: string;
}

export interface ExtractedIdentifiers {
  /** Normalised, each once, in the order found. */
  identifiers: Identifier[];
  dropped: DroppedIdentifier[];
  /**
   * An alias call's `previousId`, normalised: the id the customer had before `userId`. Its type is
   * what the graph already knows it as (a user or an anonymous id).
   */
  previousId: string | null;
}

/**
 * The identifiers of one event: `userId`, `anonymousId`, `email` and `phone` from the traits of an
 * identify call and from `context.traits`, device ids from `context.device`, external ids from
 * `context.externalIds` and from the trait names the rules list, and an alias call's `previousId`.
 * Each is normalised; those that fail are reported in `dropped`, never matched.
 */
export function extractIdentifiers(event: Event, rules: IdentityRules): ExtractedIdentifiers {
  const found = new Map<string, Identifier>();
  const dropped: DroppedIdentifier[] = [];
  const add = (type: string, raw: unknown, path: string) => {
    if (raw === undefined || raw === null) return;
    const normalised = normaliseIdentifier(type, raw, rules);
    if (!normalised.ok) {
      dropped.push({ type, path, reason: normalised.reason });
      return;
    }
    const identifier = { type, value: normalised.value };
    found.set(identifierKey(identifier), identifier);
  };

  add('user_id', event.userId, 'userId');
  add('anonymous_id', event.anonymousId, 'anonymousId');
  const traitSources: [string, JsonObject | null][] = [
    ['traits', event.type === 'identify' ? event.traits : null],
    ['context.traits', objectAt(event.context, 'traits')],
  ];
  for (const [path, traits] of traitSources) {
    if (!traits) continue;
    add('email', traits.email, `${path}.email`);
    add('phone', traits.phone, `${path}.phone`);
    for (const name of rules.externalIdTraits) add(name, traits[name], `${path}.${name}`);
  }
  const device = objectAt(event.context, 'device');
  if (device) {
    add('device_id', device.id, 'context.device.id');
    add('advertising_id', device.advertisingId, 'context.device.advertisingId');
  }
  const externalIds = event.context?.externalIds;
  if (Array.isArray(externalIds)) {
    externalIds.forEach((entry, index) => {
      const path = `context.externalIds[${index}]`;
      const type = externalIdType(entry);
      if (!type) {
        dropped.push({ type: 'unknown', path, reason: 'an external id needs a type and an id' });
        return;
      }
      add(type, (entry as JsonObject).id, path);
    });
  }

  let previousId: string | null = null;
  if (event.type === 'alias' && event.previousId !== null) {
    const normalised = normaliseIdentifier('previous_id', event.previousId, rules);
    if (normalised.ok) previousId = normalised.value;
    else dropped.push({ type: 'previous_id', path: 'previousId', reason: normalised.reason });
  }
  return { identifiers: [...found.values()], dropped, previousId };
}

/** The type of a `context.externalIds` entry, lower-cased; null when it has none usable. */
function externalIdType(entry: JsonValue): string | null {
  if (!isObject(entry) || typeof entry.type !== 'string') return null;
  // An external id typed like a built-in one ("email", "user_id") is that identifier.
  const type = entry.type.trim().toLowerCase();
  return IDENTIFIER_TYPE.test(type) ? type : null;
}

function objectAt(object: JsonObject | null, key: string): JsonObject | null {
  const value = object?.[key];
  return isObject(value) ? value : null;
}

/** Shallow: the event's JSON fields were checked when it was decoded. */
function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
