import type { IdentityRules } from './identity-rules';

/**
 * Values that never link anything, whatever their type: Segment's and PostHog's lists of values
 * tracking code sends when it has no real id (compared trimmed and case-insensitively).
 */
const BLOCKED_VALUES = new Set([
  '-1',
  'null',
  'undefined',
  'anonymous',
  'guest',
  'none',
  'nan',
  '[object object]',
  'true',
  'false',
  'distinct_id',
  'id',
  'not_authenticated',
  'email',
  'user_id',
  'anonymous_id',
]);

/** Only zeroes and dashes (`0`, `000-000`, `--`), or nothing at all. */
const ZEROES_AND_DASHES = /^[0-]*$/;

/** Why a value is blocked, or null when it may link. */
export function blockedBecause(value: string, rules: IdentityRules): string | null {
  const text = value.trim();
  if (text === '') return 'empty or whitespace';
  if (ZEROES_AND_DASHES.test(text)) return 'only zeroes and dashes';
  if (BLOCKED_VALUES.has(text.toLowerCase())) return `"${text}" is a placeholder, not an id`;
  const pattern = rules.blockedPatterns.find((candidate) => candidate.test(text));
  return pattern ? `matches the blocked pattern ${pattern.source}` : null;
}
