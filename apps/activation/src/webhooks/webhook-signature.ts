/** Standard Webhooks (https://www.standardwebhooks.com/) signing: secrets, signatures, headers. */
import { createHmac, randomBytes } from 'node:crypto';

const SECRET_PREFIX = 'whsec_';
const GENERATED_KEY_BYTES = 32;
const MIN_KEY_BYTES = 24;
const MAX_KEY_BYTES = 64;
/** Padded standard base64, the form the spec's libraries decode. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export interface WebhookSigningInput {
  id: string;
  /** Unix seconds. */
  timestamp: number;
  body: string;
  /** Several during a rotation: the receiver accepts the message if any one of them matches. */
  secrets: readonly string[];
}

export type WebhookHeaders = Record<
  'webhook-id' | 'webhook-timestamp' | 'webhook-signature',
  string
>;

/** Never carries the secret itself, so it is safe to log. */
export class InvalidWebhookSecretError extends Error {
  constructor(problem: string) {
    super(`invalid webhook secret: ${problem}`);
    this.name = 'InvalidWebhookSecretError';
  }
}

export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(GENERATED_KEY_BYTES).toString('base64');
}

export function assertWebhookSecret(secret: string): void {
  signingKey(secret);
}

/** The `webhook-signature` header value: one `v1,<signature>` per secret, in the given order. */
export function signWebhook(input: WebhookSigningInput): string {
  if (input.secrets.length === 0) throw new InvalidWebhookSecretError('no secret to sign with');
  const content = `${input.id}.${timestampSeconds(input.timestamp)}.${input.body}`;
  return input.secrets
    .map(
      (secret) => `v1,${createHmac('sha256', signingKey(secret)).update(content).digest('base64')}`,
    )
    .join(' ');
}

export function webhookHeaders(input: WebhookSigningInput): WebhookHeaders {
  return {
    'webhook-id': input.id,
    'webhook-timestamp': timestampSeconds(input.timestamp),
    'webhook-signature': signWebhook(input),
  };
}

function signingKey(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) {
    throw new InvalidWebhookSecretError(`missing the ${SECRET_PREFIX} prefix`);
  }
  const encoded = secret.slice(SECRET_PREFIX.length);
  if (!BASE64.test(encoded)) {
    throw new InvalidWebhookSecretError(`the part after ${SECRET_PREFIX} is not base64`);
  }
  const key = Buffer.from(encoded, 'base64');
  if (key.length < MIN_KEY_BYTES || key.length > MAX_KEY_BYTES) {
    throw new InvalidWebhookSecretError(
      `the key is ${key.length} bytes; it must be ${MIN_KEY_BYTES} to ${MAX_KEY_BYTES} bytes`,
    );
  }
  return key;
}

/** Verifiers parse the header as an integer, so a fractional timestamp could never verify. */
function timestampSeconds(timestamp: number): string {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new RangeError(`webhook timestamp must be whole unix seconds, got ${timestamp}`);
  }
  return String(timestamp);
}
