import { Inject, Injectable } from '@nestjs/common';
import { ensureTopics, KAFKA } from '@tessera/platform-kafka';
import type { Kafka } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import { ACTIVATION_CONFIG } from '../config/activation-config.token';
import type { ActivationConfig } from '../config/activation.config';
import { DeliveryRepository } from '../delivery/delivery.repository';
import {
  AddressPolicy,
  assertWebhookSecret,
  generateWebhookSecret,
  InvalidWebhookSecretError,
} from '../webhooks';
import type { SigningSecret, Subscription, SubscriptionTarget } from './subscription';
import {
  InvalidSubscriptionError,
  parseNewSubscription,
  parseSubscriptionUpdate,
} from './subscription-input';
import { SubscriptionRegistry } from './subscription-registry';
import { SubscriptionRepository } from './subscription.repository';

/** Another write changed the subscription between this request's read and its write. */
export class SubscriptionChangedError extends Error {
  constructor(id: string) {
    super(`subscription ${id} was changed meanwhile; read it again and repeat the change`);
    this.name = 'SubscriptionChangedError';
  }
}

export class SubscriptionExistsError extends Error {
  constructor(id: string) {
    super(`a subscription ${id} exists already`);
    this.name = 'SubscriptionExistsError';
  }
}

const DEFAULT_OVERLAP_SECONDS = 24 * 3600;
const MAX_OVERLAP_SECONDS = 7 * 24 * 3600;

/** Creating, changing and removing subscriptions, and rotating their signing secrets. */
@Injectable()
export class SubscriptionsService {
  private readonly policy: AddressPolicy;

  constructor(
    private readonly repository: SubscriptionRepository,
    private readonly registry: SubscriptionRegistry,
    private readonly deliveries: DeliveryRepository,
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(ACTIVATION_CONFIG) private readonly config: ActivationConfig,
  ) {
    this.policy = AddressPolicy.fromAllowlist(config.webhooks.allowlist);
  }

  async create(body: unknown): Promise<Subscription> {
    const input = parseNewSubscription(body, this.policy);
    const now = Date.now();
    await this.prepareTarget(input.target);
    const subscription: Subscription = {
      id:
        input.id ?? `sub_${randomBytes(9).toString('base64url').toLowerCase().replace(/-/g, '_')}`,
      name: input.name || input.id || 'subscription',
      target: input.target,
      filter: input.filter,
      consent: input.consent,
      format: input.format,
      status: input.status,
      statusReason: null,
      concurrency: input.concurrency,
      secrets: input.target.type === 'webhook' ? [newSecret(input.secret, now)] : [],
      createdAt: now,
      updatedAt: now,
    };
    if (!(await this.repository.insert(subscription)))
      throw new SubscriptionExistsError(subscription.id);
    await this.registry.refresh();
    return subscription;
  }

  list(): Promise<Subscription[]> {
    return this.repository.list();
  }

  get(id: string): Promise<Subscription | null> {
    return this.repository.find(id);
  }

  /** Changes the fields the body names; `status: active` resumes a paused or disabled one. */
  async update(id: string, body: unknown): Promise<Subscription | null> {
    const current = await this.repository.find(id);
    if (!current) return null;
    const fields = parseSubscriptionUpdate(body, current, this.policy);
    await this.prepareTarget(fields.target);
    const now = Date.now();
    // Lanes wait while a subscription cannot take webhooks; they are woken when it can again.
    const resumed =
      fields.status === 'active' &&
      fields.target.type === 'webhook' &&
      (current.status !== 'active' || current.target.type !== 'webhook');
    const updated: Subscription = {
      ...current,
      ...fields,
      statusReason:
        fields.status === current.status
          ? current.statusReason
          : fields.status === 'paused'
            ? 'paused through the API'
            : null,
      secrets:
        fields.target.type === 'webhook' && current.secrets.length === 0
          ? [newSecret(null, now)]
          : current.secrets,
      updatedAt: Math.max(now, current.updatedAt + 1),
    };
    if (!(await this.write(updated, current))) return null;
    await this.registry.refresh();
    if (resumed) await this.deliveries.wake(id, now);
    return updated;
  }

  async delete(id: string): Promise<boolean> {
    if (!(await this.repository.delete(id))) return false;
    await this.deliveries.removeSubscription(id);
    await this.registry.refresh();
    return true;
  }

  /**
   * A new signing secret (given, or generated) signs from now on; the ones before keep signing
   * too for `overlapSeconds` (default 24 h), so receivers can switch without losing a message.
   */
  async rotateSecret(id: string, body: unknown): Promise<Subscription | null> {
    const current = await this.repository.find(id);
    if (!current) return null;
    if (current.target.type !== 'webhook')
      throw new InvalidSubscriptionError('only webhook subscriptions have signing secrets');
    const { secret, overlapSeconds } = rotationOf(body);
    const now = Date.now();
    const until = now + overlapSeconds * 1000;
    const kept = current.secrets
      .filter((entry) => entry.expiresAt === null || entry.expiresAt > now)
      .map((entry) => ({ ...entry, expiresAt: Math.min(entry.expiresAt ?? until, until) }));
    const updated = {
      ...current,
      secrets: [newSecret(secret, now), ...kept],
      // Strictly later, so that two writes in one millisecond still tell each other apart.
      updatedAt: Math.max(now, current.updatedAt + 1),
    };
    if (!(await this.write(updated, current))) return null;
    await this.registry.refresh();
    return updated;
  }

  /** False when the subscription is gone; throws when it changed since `current` was read. */
  private async write(updated: Subscription, current: Subscription): Promise<boolean> {
    const outcome = await this.repository.replace(updated, current.updatedAt);
    if (outcome === 'changed') throw new SubscriptionChangedError(current.id);
    return outcome === 'replaced';
  }

  /** A Kafka target's topic exists before the subscription does (created when allowed). */
  private async prepareTarget(target: SubscriptionTarget): Promise<void> {
    if (target.type !== 'kafka') return;
    if (this.config.kafka.createTopics) {
      await ensureTopics(this.kafka, [
        { topic: target.topic, numPartitions: this.config.kafka.partitions },
      ]);
      return;
    }
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      if (!(await admin.listTopics()).includes(target.topic))
        throw new InvalidSubscriptionError(
          `target.topic ${target.topic} does not exist (KAFKA_CREATE_TOPICS is off: create it first)`,
        );
    } finally {
      await admin.disconnect();
    }
  }
}

function newSecret(given: string | null, now: number): SigningSecret {
  if (given !== null) {
    try {
      assertWebhookSecret(given);
    } catch (error) {
      if (error instanceof InvalidWebhookSecretError)
        throw new InvalidSubscriptionError(`secret is not usable: ${error.message}`);
      throw error;
    }
  }
  return { secret: given ?? generateWebhookSecret(), createdAt: now, expiresAt: null };
}

function rotationOf(body: unknown): { secret: string | null; overlapSeconds: number } {
  const input = (body ?? {}) as Record<string, unknown>;
  if (typeof input !== 'object' || Array.isArray(input))
    throw new InvalidSubscriptionError('body must be an object');
  const unknown = Object.keys(input).filter((key) => key !== 'secret' && key !== 'overlapSeconds');
  if (unknown.length > 0)
    throw new InvalidSubscriptionError(`body has unknown fields ${unknown.join(', ')}`);
  const overlap = input.overlapSeconds ?? DEFAULT_OVERLAP_SECONDS;
  if (
    typeof overlap !== 'number' ||
    !Number.isInteger(overlap) ||
    overlap < 0 ||
    overlap > MAX_OVERLAP_SECONDS
  )
    throw new InvalidSubscriptionError(
      `overlapSeconds must be an integer from 0 to ${MAX_OVERLAP_SECONDS}`,
    );
  if (input.secret !== undefined && typeof input.secret !== 'string')
    throw new InvalidSubscriptionError('secret must be a whsec_ string');
  return { secret: input.secret ?? null, overlapSeconds: overlap };
}
