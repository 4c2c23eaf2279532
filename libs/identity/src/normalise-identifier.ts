import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { blockedBecause } from './blocked-values';
import type { IdentityRules } from './identity-rules';

export type Normalised = { ok: true; value: string } | { ok: false; reason: string };

/** Longest identifier value kept; longer ones are refused rather than cut. */
export const MAX_IDENTIFIER_LENGTH = 512;

/** A plain address check: one @, something before it, a dotted domain, no spaces. */
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/u;

/** Email: trimmed and lower-cased. */
export function normaliseEmail(raw: string): Normalised {
  const value = raw.trim().toLowerCase();
  return EMAIL.test(value) ? { ok: true, value } : { ok: false, reason: 'not an email address' };
}

/** Phone: E.164 (`+4915112345678`), numbers without a country code read in the default region. */
export function normalisePhone(
  raw: string,
  rules: Pick<IdentityRules, 'defaultRegion'>,
): Normalised {
  const parsed = parsePhoneNumberFromString(raw.trim(), rules.defaultRegion);
  return parsed?.isValid()
    ? { ok: true, value: parsed.number }
    : { ok: false, reason: `not a valid phone number (default region ${rules.defaultRegion})` };
}

/**
 * The value an identifier is matched by, or why it takes no part in matching: not text or a
 * number, blocked, too long, or failing its type's format (email, phone).
 */
export function normaliseIdentifier(type: string, raw: unknown, rules: IdentityRules): Normalised {
  const text = typeof raw === 'number' && Number.isFinite(raw) ? String(raw) : raw;
  if (typeof text !== 'string') return { ok: false, reason: 'not text or a number' };
  const blocked = blockedBecause(text, rules);
  if (blocked) return { ok: false, reason: `blocked value: ${blocked}` };
  const normalised =
    type === 'email'
      ? normaliseEmail(text)
      : type === 'phone'
        ? normalisePhone(text, rules)
        : { ok: true as const, value: text.trim() };
  if (!normalised.ok) return normalised;
  if (normalised.value.length > MAX_IDENTIFIER_LENGTH)
    return { ok: false, reason: `longer than ${MAX_IDENTIFIER_LENGTH} characters` };
  // A value may only become a placeholder once normalised ("  NULL@x" is not one; "None " is).
  const blockedAfter = blockedBecause(normalised.value, rules);
  return blockedAfter ? { ok: false, reason: `blocked value: ${blockedAfter}` } : normalised;
}
