import { createHmac, randomBytes } from 'node:crypto';

const PREFIX = 'tsk_';

/** A new write key: a prefix that says what it is, then 192 random bits. */
export function generateWriteKey(): string {
  return PREFIX + randomBytes(24).toString('base64url');
}

/** Keys are stored only as this keyed hash; the pepper lives in configuration, not in the database. */
export function hashWriteKey(writeKey: string, pepper: string): string {
  return createHmac('sha256', pepper).update(writeKey).digest('hex');
}

export function writeKeyPrefix(writeKey: string): string {
  return writeKey.slice(0, PREFIX.length + 6);
}
