export { AddressPolicy, InvalidAllowlistEntryError, isIpLiteral } from './address-policy';
export type { AddressVerdict } from './address-policy';
export type { ResolveAll } from './guarded-lookup';
export {
  DEFAULT_RETRY_SCHEDULE,
  InvalidRetryScheduleError,
  nextRetryDelay,
  parseRetryAfter,
  parseRetrySchedule,
} from './retry-schedule';
export {
  assertWebhookSecret,
  generateWebhookSecret,
  InvalidWebhookSecretError,
  signWebhook,
  webhookHeaders,
} from './webhook-signature';
export type { WebhookHeaders, WebhookSigningInput } from './webhook-signature';
export { WebhookSender } from './webhook-sender';
export type { WebhookOutcome, WebhookRequest, WebhookSenderOptions } from './webhook-sender';
