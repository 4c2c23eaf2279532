import type { PrivacyIdentifier, PrivacyRequestType } from '@tessera/contracts';
import {
  IDENTIFIER_TYPE,
  MAX_IDENTIFIER_LENGTH,
  normaliseIdentifier,
  type IdentityRules,
} from '@tessera/identity';
import { invalid, objectBody } from '../admin/admin-requests';

export const PRIVACY_REQUEST_TYPES: readonly PrivacyRequestType[] = [
  'delete',
  'suppress',
  'suppress_with_delete',
  'unsuppress',
];

export interface PrivacyRequestInput {
  type: PrivacyRequestType;
  /** Normalised as the identity service normalises it. */
  identifier: PrivacyIdentifier;
}

/**
 * Reads `{ type, identifier: { type, value } }` strictly: each problem is a 400 naming the field.
 * The value never appears in a message: it is personal data.
 */
export function privacyRequestInput(body: unknown, rules: IdentityRules): PrivacyRequestInput {
  const input = objectBody(body);
  onlyFields(input, ['type', 'identifier'], '');
  const type = input.type;
  if (typeof type !== 'string' || !(PRIVACY_REQUEST_TYPES as string[]).includes(type)) {
    throw invalid('type', `must be one of ${PRIVACY_REQUEST_TYPES.join(', ')}`);
  }
  const identifier = input.identifier;
  if (typeof identifier !== 'object' || identifier === null || Array.isArray(identifier)) {
    throw invalid('identifier', 'must be an object { type, value }');
  }
  const fields = identifier as Record<string, unknown>;
  onlyFields(fields, ['type', 'value'], 'identifier.');
  if (typeof fields.type !== 'string' || !IDENTIFIER_TYPE.test(fields.type)) {
    throw invalid(
      'identifier.type',
      'must be an identifier type in lower-case snake case (email, phone, user_id, crm_id)',
    );
  }
  if (typeof fields.value !== 'string') throw invalid('identifier.value', 'must be a string');
  if (fields.value.length > MAX_IDENTIFIER_LENGTH) {
    throw invalid('identifier.value', `must be at most ${MAX_IDENTIFIER_LENGTH} characters`);
  }
  const normalised = normaliseIdentifier(fields.type, fields.value, rules);
  if (!normalised.ok) throw invalid('identifier.value', problemOf(normalised.reason));
  return {
    type: type as PrivacyRequestType,
    identifier: { type: fields.type, value: normalised.value },
  };
}

/** The Idempotency-Key header: absent, or 1 to 255 characters (a UUID will do). */
export function idempotencyKeyOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (header.length === 0 || header.length > 255) {
    throw invalid('Idempotency-Key', 'must be 1 to 255 characters (a UUID will do)');
  }
  return header;
}

function onlyFields(object: Record<string, unknown>, allowed: string[], prefix: string): void {
  const unknown = Object.keys(object).find((key) => !allowed.includes(key));
  if (unknown !== undefined) {
    throw invalid(`${prefix}${unknown}`, `is not a known field; expected ${allowed.join(', ')}`);
  }
}

/** `is not an email address`, `is longer than 512 characters`, `is refused: blocked value: ...`. */
function problemOf(reason: string): string {
  return /^(not|longer) /.test(reason) ? `is ${reason}` : `is refused: ${reason}`;
}
