/**
 * Identifier types Tessera knows how to normalise. Any other type (an external id such as
 * `crm_id`, from `context.externalIds` or a configured trait) is matched as trimmed text.
 */
export const KNOWN_TYPES = [
  'user_id',
  'anonymous_id',
  'email',
  'phone',
  'device_id',
  'advertising_id',
] as const;

export type KnownIdentifierType = (typeof KNOWN_TYPES)[number];

/** One normalised identifier: what the identity graph links. */
export interface Identifier {
  /** A known type, or the lower-case name of an external id type (`crm_id`). */
  type: string;
  value: string;
}

/** The graph's key of an identifier: `<type>:<value>`. */
export function identifierKey({ type, value }: Identifier): string {
  return `${type}:${value}`;
}

/** Identifier types are lower-case snake case: `crm_id`, `ga_client_id`. */
export const IDENTIFIER_TYPE = /^[a-z][a-z0-9_]{0,63}$/;
