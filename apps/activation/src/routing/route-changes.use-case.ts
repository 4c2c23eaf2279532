import { Inject, Injectable, Logger } from '@nestjs/common';
import { AvroCodec, TOMBSTONE_HEADERS } from '@tessera/contracts';
import { traceparentOf, type OutboundRecord } from '@tessera/platform-kafka';
import { createHash } from 'node:crypto';
import { ACTIVATION_CONFIG } from '../config/activation-config.token';
import type { ActivationConfig } from '../config/activation.config';
import type { MessageDocument } from '../delivery/activation-store.schema';
import { DeliveryMetrics } from '../delivery/delivery-metrics';
import { DeliveryRepository } from '../delivery/delivery.repository';
import { WebhookDispatcher } from '../delivery/webhook-dispatcher';
import { ErasureRepository } from '../privacy/erasure.repository';
import type { Subscription } from '../subscriptions/subscription';
import { consentAllows, selects, type GrantedConsent } from '../subscriptions/subscription-filter';
import { SubscriptionRegistry } from '../subscriptions/subscription-registry';
import { KafkaTargetWriter } from './kafka-target-writer';
import {
  activationMessageOf,
  messageBody,
  type ActivationMessage,
  type ProfileChange,
} from './profile-change';

/** Headers of every record written to a Kafka target. */
export const MESSAGE_HEADERS = { id: 'tessera-message-id', type: 'tessera-message-type' } as const;

/**
 * Turns profile changes into messages for the subscriptions that want them and may have them:
 * webhook messages go to the outbox (and their lanes are started), Kafka target records are
 * written at once. Resolves when all of it is durable, so the consumer may commit. Changes with
 * profile data of a profile a privacy request deleted are dropped (its deletion notice still goes).
 */
@Injectable()
export class RouteChangesUseCase {
  private readonly logger = new Logger(RouteChangesUseCase.name);
  /** Changes dropped because their profile was deleted, since the start. */
  private erasedDropped = 0;

  constructor(
    private readonly registry: SubscriptionRegistry,
    private readonly deliveries: DeliveryRepository,
    private readonly targets: KafkaTargetWriter,
    private readonly dispatcher: WebhookDispatcher,
    private readonly codec: AvroCodec,
    private readonly erasures: ErasureRepository,
    private readonly metrics: DeliveryMetrics,
    @Inject(ACTIVATION_CONFIG) private readonly config: ActivationConfig,
  ) {}

  /** Changes dropped because their profile was deleted, since the start. */
  get droppedOfErasedProfiles(): number {
    return this.erasedDropped;
  }

  async route(changes: ProfileChange[]): Promise<void> {
    const messages = changes.map(activationMessageOf);
    const selected = messages
      .map((message) => ({
        message,
        subscriptions: this.registry
          .all()
          .filter((subscription) => receives(subscription, message)),
      }))
      .filter(({ subscriptions }) => subscriptions.length > 0);
    if (selected.length === 0) return;
    const wanted = await this.withoutErasedProfiles(selected);

    const now = Date.now();
    const outbox: MessageDocument[] = [];
    const records = new Map<string, OutboundRecord[]>();
    for (const { message, subscriptions } of wanted)
      for (const subscription of subscriptions) {
        if (!consentAllows(subscription, message, grantedOf(message))) continue;
        this.metrics.routed(subscription.id, subscription.target.type);
        const id = messageIdOf(subscription.id, message.changeKey);
        if (subscription.target.type === 'webhook') {
          outbox.push(outboxMessage(id, subscription.id, message, now));
          continue;
        }
        const topic = subscription.target.topic;
        const onTopic = records.get(topic) ?? [];
        onTopic.push(this.record(id, subscription, message));
        records.set(topic, onTopic);
      }
    const firstAttemptAt = now + (this.config.webhooks.retrySchedule[0] ?? 0);
    const [enqueued] = await Promise.all([
      this.deliveries.enqueue(
        outbox,
        firstAttemptAt,
        this.dispatcher.claimant(now, firstAttemptAt),
      ),
      this.targets.write(records),
    ]);
    this.dispatcher.wake(enqueued);
  }

  /** Leaves out changes with profile data of deleted profiles: one read for the whole batch. */
  private async withoutErasedProfiles<T extends { message: ActivationMessage }>(
    selected: T[],
  ): Promise<T[]> {
    const withData = selected.filter(({ message }) => message.carriesProfileData);
    const erased = await this.erasures.erasedAmong([
      ...new Set(withData.map(({ message }) => message.profileId)),
    ]);
    if (erased.size === 0) return selected;
    const kept = selected.filter(
      ({ message }) => !message.carriesProfileData || !erased.has(message.profileId),
    );
    const dropped = selected.length - kept.length;
    this.erasedDropped += dropped;
    this.logger.log(`dropped ${dropped} changes of deleted profiles`);
    return kept;
  }

  /** A Kafka target record keyed by profile: JSON, or (avro) the contract record itself. */
  private record(
    id: string,
    subscription: Subscription,
    message: ActivationMessage,
  ): OutboundRecord {
    const headers: Record<string, string> = {
      [MESSAGE_HEADERS.id]: id,
      [MESSAGE_HEADERS.type]: message.type,
    };
    const change = message.change;
    const { traceContext } = change;
    if (subscription.format === 'json')
      return {
        key: message.profileId,
        value: Buffer.from(messageBody(message)),
        headers,
        traceContext,
      };
    const key = this.codec.encode('ProfileKey', { profileId: message.profileId });
    if (change.kind === 'snapshot' || change.kind === 'membership')
      return { key, value: change.value, headers, traceContext };
    return {
      key,
      value: null,
      traceContext,
      headers: {
        ...headers,
        [TOMBSTONE_HEADERS.reason]: change.kind,
        ...(change.kind === 'merged' ? { [TOMBSTONE_HEADERS.mergedInto]: change.mergedInto } : {}),
      },
    };
  }
}

/**
 * Webhook subscriptions receive while active (paused ones keep their messages for later); Kafka
 * targets receive while active. A disabled subscription receives nothing until it is re-enabled.
 */
function receives(subscription: Subscription, message: ActivationMessage): boolean {
  const open =
    subscription.status === 'active' ||
    (subscription.status === 'paused' && subscription.target.type === 'webhook');
  return open && selects(subscription, message);
}

/** The same id for every delivery of one change to one subscription: its `webhook-id`. */
export function messageIdOf(subscriptionId: string, changeKey: string): string {
  const digest = createHash('sha256').update(`${subscriptionId}\n${changeKey}`).digest('base64url');
  return `msg_${digest.slice(0, 27)}`;
}

function outboxMessage(
  id: string,
  subscriptionId: string,
  message: ActivationMessage,
  now: number,
): MessageDocument {
  return {
    _id: id,
    subscriptionId,
    profileId: message.profileId,
    type: message.type,
    body: messageBody(message),
    status: 'pending',
    attempts: 0,
    createdAt: now,
    nextAttemptAt: now,
    lastStatusCode: null,
    lastError: null,
    settledAt: null,
    traceparent: message.change.traceContext
      ? (traceparentOf(message.change.traceContext) ?? null)
      : null,
  };
}

/** The categories the profile's consent at this change grants (snapshots and audience changes carry it). */
function grantedOf(message: ActivationMessage): GrantedConsent {
  const change = message.change;
  const preferences =
    change.kind === 'snapshot'
      ? (change.snapshot.consent?.categoryPreferences ?? null)
      : change.kind === 'membership'
        ? change.membership.consent
        : null;
  if (preferences === null) return null;
  return Object.entries(preferences)
    .filter(([, granted]) => granted)
    .map(([category]) => category)
    .sort();
}
