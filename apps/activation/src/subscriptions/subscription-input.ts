import type { AddressPolicy } from '../webhooks';
import type { Subscription, SubscriptionFilter, SubscriptionTarget } from './subscription';

/** A subscription body the API cannot accept; the message names the field. */
export class InvalidSubscriptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidSubscriptionError';
  }
}

/** The fields of a subscription a client sets (create: all but the defaulted ones; update: any). */
export type SubscriptionFields = Pick<
  Subscription,
  'name' | 'target' | 'filter' | 'consent' | 'format' | 'concurrency' | 'status'
>;

export interface NewSubscription extends SubscriptionFields {
  id: string | null;
  secret: string | null;
}

const ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const KAFKA_TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;
const FIELD = /^[A-Za-z0-9_$.-]{1,200}$/;
const KNOWN = ['id', 'name', 'target', 'filter', 'consent', 'format', 'concurrency', 'status'];

/** Reads a create body; `secret` may be given (a `whsec_` secret) or is generated later. */
export function parseNewSubscription(body: unknown, policy: AddressPolicy): NewSubscription {
  const input = objectAt(body, 'body');
  refuseUnknown(input, [...KNOWN, 'secret'], 'body');
  if (input.target === undefined) throw new InvalidSubscriptionError('target is required');
  if (input.filter === undefined) throw new InvalidSubscriptionError('filter is required');
  if (input.secret !== undefined && !isWebhookTarget(input.target))
    throw new InvalidSubscriptionError('secret is for webhook targets (they are signed)');
  const fields = parseFields(input, policy);
  return {
    id: input.id === undefined ? null : idOf(input.id),
    secret: input.secret === undefined ? null : stringAt(input.secret, 'secret', 200),
    name: fields.name ?? '',
    target: fields.target as SubscriptionTarget,
    filter: fields.filter as SubscriptionFilter,
    consent: fields.consent ?? [],
    format: checkedFormat(fields.format ?? 'json', fields.target as SubscriptionTarget),
    concurrency: fields.concurrency ?? null,
    status: fields.status ?? 'active',
  };
}

/** Reads an update body: only the fields it names change; the result is checked as a whole. */
export function parseSubscriptionUpdate(
  body: unknown,
  current: Subscription,
  policy: AddressPolicy,
): SubscriptionFields {
  const input = objectAt(body, 'body');
  refuseUnknown(input, KNOWN.slice(1), 'body');
  const fields = parseFields(input, policy);
  const target = fields.target ?? current.target;
  return {
    name: fields.name ?? current.name,
    target,
    filter: fields.filter ?? current.filter,
    consent: fields.consent ?? current.consent,
    format: checkedFormat(fields.format ?? current.format, target),
    concurrency: fields.concurrency === undefined ? current.concurrency : fields.concurrency,
    status: fields.status ?? current.status,
  };
}

function parseFields(
  input: Record<string, unknown>,
  policy: AddressPolicy,
): Partial<SubscriptionFields> {
  return {
    name: input.name === undefined ? undefined : stringAt(input.name, 'name', 200),
    target: input.target === undefined ? undefined : targetOf(input.target, policy),
    filter: input.filter === undefined ? undefined : filterOf(input.filter),
    consent: input.consent === undefined ? undefined : namesAt(input.consent, 'consent'),
    format: input.format === undefined ? undefined : formatOf(input.format),
    concurrency:
      input.concurrency === undefined || input.concurrency === null
        ? input.concurrency
        : integerAt(input.concurrency, 'concurrency', 1, 200),
    status: input.status === undefined ? undefined : statusOf(input.status),
  };
}

function targetOf(value: unknown, policy: AddressPolicy): SubscriptionTarget {
  const target = objectAt(value, 'target');
  if (target.type === 'webhook') {
    refuseUnknown(target, ['type', 'url'], 'target');
    return { type: 'webhook', url: webhookUrlOf(target.url, policy) };
  }
  if (target.type === 'kafka') {
    refuseUnknown(target, ['type', 'topic'], 'target');
    const topic = stringAt(target.topic, 'target.topic', 249);
    if (!KAFKA_TOPIC.test(topic) || topic === '.' || topic === '..')
      throw new InvalidSubscriptionError(
        'target.topic must be a Kafka topic name: letters, digits, ".", "_" and "-", at most 249',
      );
    if (topic.startsWith('tessera.') || topic.startsWith('__'))
      throw new InvalidSubscriptionError(
        `target.topic ${topic} is reserved (tessera.* and __* are Tessera's and Kafka's own)`,
      );
    return { type: 'kafka', topic };
  }
  throw new InvalidSubscriptionError('target.type must be "webhook" or "kafka"');
}

function webhookUrlOf(value: unknown, policy: AddressPolicy): string {
  const text = stringAt(value, 'target.url', 2048);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidSubscriptionError(`target.url ${JSON.stringify(text)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new InvalidSubscriptionError('target.url must be an http or https URL');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // A literal address is judged now; a name is judged on every delivery, as it resolves then.
  if (/^[0-9.]+$/.test(host) || host.includes(':')) {
    const verdict = policy.check(host);
    if (!verdict.allowed)
      throw new InvalidSubscriptionError(
        `target.url is not allowed: ${verdict.reason} (see WEBHOOK_ALLOWLIST)`,
      );
  }
  return url.toString();
}

function filterOf(value: unknown): SubscriptionFilter {
  const filter = objectAt(value, 'filter');
  refuseUnknown(filter, ['profileUpdates', 'audiences', 'merges', 'deletions'], 'filter');
  const result: SubscriptionFilter = {
    profileUpdates: profileUpdatesOf(filter.profileUpdates),
    audiences: audiencesOf(filter.audiences),
    merges: booleanAt(filter.merges ?? false, 'filter.merges'),
    deletions: booleanAt(filter.deletions ?? false, 'filter.deletions'),
  };
  if (!result.profileUpdates && !result.audiences && !result.merges && !result.deletions)
    throw new InvalidSubscriptionError(
      'filter selects nothing: give profileUpdates, audiences, merges or deletions',
    );
  return result;
}

function profileUpdatesOf(value: unknown): SubscriptionFilter['profileUpdates'] {
  if (value === undefined || value === false || value === null) return null;
  if (value === true) return { fields: [] };
  const updates = objectAt(value, 'filter.profileUpdates');
  refuseUnknown(updates, ['fields'], 'filter.profileUpdates');
  const fields = namesAt(updates.fields ?? [], 'filter.profileUpdates.fields');
  for (const field of fields)
    if (!FIELD.test(field))
      throw new InvalidSubscriptionError(
        `filter.profileUpdates.fields has ${JSON.stringify(field)}, not a field name such as traits.email`,
      );
  return { fields };
}

function audiencesOf(value: unknown): SubscriptionFilter['audiences'] {
  if (value === undefined || value === false || value === null) return null;
  if (value === true) return { ids: null, changes: ['entered', 'exited'] };
  const audiences = objectAt(value, 'filter.audiences');
  refuseUnknown(audiences, ['ids', 'changes'], 'filter.audiences');
  const ids =
    audiences.ids === undefined || audiences.ids === null
      ? null
      : namesAt(audiences.ids, 'filter.audiences.ids');
  const changes = namesAt(audiences.changes ?? ['entered', 'exited'], 'filter.audiences.changes');
  for (const change of changes)
    if (change !== 'entered' && change !== 'exited')
      throw new InvalidSubscriptionError(
        'filter.audiences.changes may hold "entered" and "exited"',
      );
  if (changes.length === 0)
    throw new InvalidSubscriptionError('filter.audiences.changes must not be empty');
  return { ids, changes: changes as ('entered' | 'exited')[] };
}

function isWebhookTarget(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'type' in value && value.type === 'webhook';
}

function checkedFormat(format: 'json' | 'avro', target: SubscriptionTarget): 'json' | 'avro' {
  if (format === 'avro' && target.type === 'webhook')
    throw new InvalidSubscriptionError('format avro is for Kafka targets; webhooks get json');
  return format;
}

function formatOf(value: unknown): 'json' | 'avro' {
  if (value === 'json' || value === 'avro') return value;
  throw new InvalidSubscriptionError('format must be "json" or "avro"');
}

/** A client sets active or paused; disabled is what a 410 answer does. */
function statusOf(value: unknown): 'active' | 'paused' {
  if (value === 'active' || value === 'paused') return value;
  throw new InvalidSubscriptionError('status must be "active" or "paused"');
}

function idOf(value: unknown): string {
  const id = stringAt(value, 'id', 64);
  if (!ID.test(id))
    throw new InvalidSubscriptionError(
      'id must be 1-64 lower-case letters, digits, "_" or "-", starting with a letter or digit',
    );
  return id;
}

function objectAt(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InvalidSubscriptionError(`${path} must be an object`);
  return value as Record<string, unknown>;
}

function refuseUnknown(input: Record<string, unknown>, known: string[], path: string): void {
  const unknown = Object.keys(input).filter((key) => !known.includes(key));
  if (unknown.length > 0)
    throw new InvalidSubscriptionError(
      `${path} has unknown field${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; known: ${known.join(', ')}`,
    );
}

function stringAt(value: unknown, path: string, maxLength: number): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw new InvalidSubscriptionError(`${path} must be a non-empty string`);
  if (value.length > maxLength)
    throw new InvalidSubscriptionError(`${path} is longer than ${maxLength} characters`);
  return value.trim();
}

function namesAt(value: unknown, path: string): string[] {
  if (!Array.isArray(value)) throw new InvalidSubscriptionError(`${path} must be an array`);
  if (value.length > 100) throw new InvalidSubscriptionError(`${path} has more than 100 entries`);
  return [...new Set(value.map((entry, index) => stringAt(entry, `${path}[${index}]`, 200)))];
}

function booleanAt(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean')
    throw new InvalidSubscriptionError(`${path} must be true or false`);
  return value;
}

function integerAt(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw new InvalidSubscriptionError(`${path} must be an integer from ${min} to ${max}`);
  return value;
}
