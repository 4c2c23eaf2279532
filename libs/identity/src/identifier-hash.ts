import { createHmac } from 'node:crypto';
import { identifierKey, type Identifier } from './identifier';

/**
 * The hashed form of a normalised identifier that privacy tombstones and suppression lists keep
 * instead of the identifier: HMAC-SHA256 of `<type>:<value>` under a secret key (PRIVACY_HASH_KEY),
 * hex. Keyed, so a leaked list cannot be reversed by hashing a list of known emails.
 */
export function identifierHash(identifier: Identifier, key: string): string {
  return createHmac('sha256', key).update(identifierKey(identifier)).digest('hex');
}
