import type { JsonObject, JsonValue } from '@tessera/contracts';
import { normaliseEmail, normalisePhone, type IdentityRules } from '@tessera/identity';
import countries from 'i18n-iso-countries';

/** What trait normalisation needs: the region a phone number without a country code is read in. */
export type TraitRules = Pick<IdentityRules, 'defaultRegion'>;

const NAME_TRAITS = new Set([
  'name',
  'firstName',
  'lastName',
  'first_name',
  'last_name',
  'username',
]);
const EMAIL_TRAITS = new Set(['email']);
const PHONE_TRAITS = new Set(['phone', 'mobile']);
const COUNTRY_TRAITS = new Set(['country']);

/**
 * Cleans the common traits with the identity service's own rules: email lower-cased, phone in
 * E.164, names trimmed with single spaces, countries as ISO 3166-1 alpha-2 (from a code or an
 * English name), also inside `address`. A value that does not parse is kept as sent (trimmed):
 * a trait is information about the person, not a key to match on.
 */
export function normaliseTraits(traits: JsonObject, rules: TraitRules): JsonObject {
  return Object.fromEntries(
    Object.entries(traits).map(([key, value]) => [
      key,
      key === 'address' && isObject(value)
        ? normaliseTraits(value, rules)
        : normaliseTrait(key, value, rules),
    ]),
  );
}

function normaliseTrait(key: string, value: JsonValue, rules: TraitRules): JsonValue {
  if (typeof value !== 'string') return value;
  const trimmed = value.trim();
  if (EMAIL_TRAITS.has(key)) return orKept(normaliseEmail(trimmed), trimmed);
  if (PHONE_TRAITS.has(key)) return orKept(normalisePhone(trimmed, rules), trimmed);
  if (NAME_TRAITS.has(key)) return trimmed.replace(/\s+/gu, ' ');
  if (COUNTRY_TRAITS.has(key)) return countryCode(trimmed) ?? trimmed;
  return value;
}

/** ISO 3166-1 alpha-2 of a two- or three-letter code or an English country name. */
export function countryCode(raw: string): string | null {
  const upper = raw.toUpperCase();
  if (upper.length === 2 && countries.isValid(upper)) return upper;
  if (upper.length === 3 && countries.isValid(upper))
    return countries.alpha3ToAlpha2(upper) ?? null;
  return countries.getAlpha2Code(raw, 'en') ?? null;
}

function orKept(result: { ok: true; value: string } | { ok: false }, kept: string): string {
  return result.ok ? result.value : kept;
}

function isObject(value: JsonValue): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
