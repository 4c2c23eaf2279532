import { Inject, Injectable } from '@nestjs/common';
import { AvroCodec, TOMBSTONE_HEADERS } from '@tessera/contracts';
import { KafkaPublisher, type OutboundRecord } from '@tessera/platform-kafka';
import { createHash } from 'node:crypto';
import { ACTIVATION_CONFIG } from '../config/activation-config.token';
import type { ActivationConfig } from '../config/activation.config';
import type { ConsentDocument, MessageDocument } from '../delivery/activation-store.schema';
import { DeliveryRepository } from '../delivery/delivery.repository';
import { WebhookDispatcher } from '../delivery/webhook-dispatcher';
import type { Subscription } from '../subscriptions/subscription';
import { consentAllows, selects, type GrantedConsent } from '../subscriptions/subscription-filter';
import { SubscriptionRegistry } from '../subscriptions/subscription-registry';
import { ConsentRepository } from './consent.repository';
import {
  activationMessageOf,
  messageBody,
  type ActivationMessage,
  type ProfileChange,
} from './profile-change';

/** Headers of every record written to a Kafka target. */
export const MESSAGE_HEADERS = { id: 'tessera-message-id', type: 'tessera-message-type' } as const;

const CONSENT_POLL_MS = 200;

/**
 * Turns profile changes into messages for the subscriptions that want them and may have them:
 * webhook messages go to the outbox (and their lanes are started), Kafka target records are
 * written at once. Resolves when all of it is durable, so the consumer may commit.
 */
@Injectable()
export class RouteChangesUseCase {
  constructor(
    private readonly registry: SubscriptionRegistry,
    private readonly deliveries: DeliveryRepository,
    private readonly consent: ConsentRepository,
    private readonly publisher: KafkaPublisher,
    private readonly dispatcher: WebhookDispatcher,
    private readonly codec: AvroCodec,
    @Inject(ACTIVATION_CONFIG) private readonly config: ActivationConfig,
  ) {}

  async route(changes: ProfileChange[]): Promise<void> {
    await this.rememberConsent(changes);
    const messages = changes.map(activationMessageOf);
    const wanted = messages.map((message) => ({
      message,
      subscriptions: this.registry.all().filter((subscription) => receives(subscription, message)),
    }));
    if (wanted.every(({ subscriptions }) => subscriptions.length === 0)) return;
    const granted = await this.grantedConsent(wanted);

    const now = Date.now();
    const outbox: MessageDocument[] = [];
    const records = new Map<string, OutboundRecord[]>();
    for (const { message, subscriptions } of wanted)
      for (const subscription of subscriptions) {
        if (!consentAllows(subscription, message, granted.get(message) ?? null)) continue;
        const id = messageIdOf(subscription.id, message.changeKey);
        if (subscription.target.type === 'webhook') {
          outbox.push(outboxMessage(id, subscription.id, message, now));
          continue;
        }
        const topic = subscription.target.topic;
        records.set(topic, [...(records.get(topic) ?? []), this.record(id, subscription, message)]);
      }
    const [lanes] = await Promise.all([
      this.deliveries.enqueue(outbox, now + (this.config.webhooks.retrySchedule[0] ?? 0)),
      records.size > 0 ? this.publisher.publish(Object.fromEntries(records)) : undefined,
    ]);
    this.dispatcher.wake(lanes);
  }

  private async rememberConsent(changes: ProfileChange[]): Promise<void> {
    const latest = new Map<string, ConsentDocument>();
    const gone: string[] = [];
    for (const change of changes) {
      if (change.kind === 'merged' || change.kind === 'deleted') gone.push(change.profileId);
      if (change.kind !== 'snapshot') continue;
      const { profileId, version, consent } = change.snapshot;
      if ((latest.get(profileId)?.version ?? -1) >= version) continue;
      latest.set(profileId, {
        _id: profileId,
        version,
        granted: grantedOf(consent?.categoryPreferences ?? null),
        gone: false,
      });
    }
    await this.consent.record([...latest.values()]);
    await this.consent.markGone(gone);
  }

  /**
   * The consent each message is judged by: a snapshot's own; for an audience change, the latest
   * snapshot's of its profile — waited for (CONSENT_WAIT_MS at most) when it has not been read yet.
   */
  private async grantedConsent(
    wanted: { message: ActivationMessage; subscriptions: Subscription[] }[],
  ): Promise<Map<ActivationMessage, GrantedConsent>> {
    const granted = new Map<ActivationMessage, GrantedConsent>();
    const waiting: ActivationMessage[] = [];
    for (const { message, subscriptions } of wanted) {
      const change = message.change;
      if (change.kind === 'snapshot')
        granted.set(message, grantedOf(change.snapshot.consent?.categoryPreferences ?? null));
      else if (
        change.kind === 'membership' &&
        subscriptions.some((subscription) => subscription.consent.length > 0)
      )
        waiting.push(message);
    }
    const deadline = Date.now() + this.config.consentWaitMs;
    while (waiting.length > 0) {
      const known = await this.consent.find([...new Set(waiting.map((m) => m.profileId))]);
      for (let index = waiting.length - 1; index >= 0; index--) {
        const message = waiting[index];
        const doc = known.get(message.profileId);
        const change = message.change;
        const version = change.kind === 'membership' ? change.membership.profileVersion : 0;
        if (doc && (doc.gone || doc.version >= version)) {
          granted.set(message, doc.granted);
          waiting.splice(index, 1);
        } else if (Date.now() >= deadline) {
          // Not seen in time: judged by what is known, and no consent known grants nothing.
          granted.set(message, doc?.granted ?? null);
          waiting.splice(index, 1);
        }
      }
      if (waiting.length > 0) await new Promise((resolve) => setTimeout(resolve, CONSENT_POLL_MS));
    }
    return granted;
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
    if (subscription.format === 'json')
      return { key: message.profileId, value: Buffer.from(messageBody(message)), headers };
    const key = this.codec.encode('ProfileKey', { profileId: message.profileId });
    const change = message.change;
    if (change.kind === 'snapshot' || change.kind === 'membership')
      return { key, value: change.value, headers };
    return {
      key,
      value: null,
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
  };
}

function grantedOf(preferences: Record<string, boolean> | null): string[] | null {
  if (preferences === null) return null;
  return Object.entries(preferences)
    .filter(([, granted]) => granted)
    .map(([category]) => category)
    .sort();
}
