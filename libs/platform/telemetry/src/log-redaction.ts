/** What a redacted value or scrubbed text is replaced with. */
export const REDACTED = '[redacted]';

/** Fields holding personal data, payloads or credentials: censored at the top level and one level down. */
const SENSITIVE_KEYS = [
  'email',
  'phone',
  'userId',
  'anonymousId',
  'previousId',
  'traits',
  'properties',
  'payload',
  'body',
  'authorization',
  'cookie',
  'password',
  'secret',
  'token',
  'writeKey',
];

/**
 * pino `redact` paths. A safety net: log calls name ids of Tessera's own making (profile, event,
 * subscription, request ids) and counts, never these fields.
 */
export const REDACTED_PATHS: readonly string[] = [
  ...SENSITIVE_KEYS.flatMap((key) => [key, `*.${key}`]),
  '*.headers.authorization',
  '*.headers.cookie',
  'identifiers[*].value',
  '*.identifiers[*].value',
  'identifier.value',
  '*.identifier.value',
  // MongoDB's duplicate-key errors carry the offending key, e.g. an identifier `email:<address>`.
  'err.keyValue',
  'err.errorResponse',
];

const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"\\]+@/giu;
const MONGO_DUPLICATE_KEY = /dup key: \{[^}]*\}/gu;
const EMAIL = /[^\s@"'\\<>()[\]{},;:/]+@(?:[\p{L}\p{N}-]+\.)+\p{L}{2,}/giu;
const PHONE = /\+\d(?:[ .()-]{0,2}\d){6,14}(?!\d)/gu;

/**
 * Scrubs what free text (messages, error messages and stacks) may carry: credentials in URLs,
 * the key of a MongoDB duplicate-key error, email addresses and international phone numbers.
 * Runs on each serialised line: the replacements hold no character JSON would escape.
 */
export function scrubLogLine(line: string): string {
  return line
    .replace(URL_CREDENTIALS, `$1${REDACTED}@`)
    .replace(MONGO_DUPLICATE_KEY, `dup key: { ${REDACTED} }`)
    .replace(EMAIL, '[email]')
    .replace(PHONE, '[phone]');
}
