import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  KAFKA,
  KafkaPublisher,
  TransientError,
  type OutboundRecord,
} from '@tessera/platform-kafka';
import type { Kafka } from 'kafkajs';
import { SubscriptionRegistry } from '../subscriptions/subscription-registry';
import { SubscriptionRepository } from '../subscriptions/subscription.repository';

/**
 * Writes records to the subscribers' own topics. A topic the cluster does not have (deleted after
 * its subscription was made) must not hold up every other subscription on the partition: the
 * subscriptions writing to it are disabled, saying why, and the rest goes on. Any other failure
 * fails the batch, to be tried again.
 */
@Injectable()
export class KafkaTargetWriter {
  private readonly logger = new Logger(KafkaTargetWriter.name);

  constructor(
    private readonly publisher: KafkaPublisher,
    @Inject(KAFKA) private readonly kafka: Kafka,
    private readonly subscriptions: SubscriptionRepository,
    private readonly registry: SubscriptionRegistry,
  ) {}

  async write(byTopic: Map<string, OutboundRecord[]>): Promise<void> {
    if (byTopic.size === 0) return;
    const outcomes = await Promise.allSettled(
      [...byTopic].map(([topic, records]) => this.publisher.publish({ [topic]: records })),
    );
    const failed = [...byTopic.keys()]
      .map((topic, index) => ({ topic, outcome: outcomes[index] }))
      .filter(({ outcome }) => outcome.status === 'rejected');
    if (failed.length === 0) return;
    const existing = await this.topics();
    const present = failed.find(({ topic }) => existing.has(topic));
    if (present) throw (present.outcome as PromiseRejectedResult).reason;
    for (const { topic } of failed) await this.disableWritersTo(topic);
    await this.registry.refresh();
  }

  private async disableWritersTo(topic: string): Promise<void> {
    const reason = `the target topic ${topic} does not exist; create it and set status active`;
    const writers = this.registry
      .all()
      .filter(
        (subscription) =>
          subscription.target.type === 'kafka' && subscription.target.topic === topic,
      );
    for (const subscription of writers) {
      this.logger.warn(`subscription ${subscription.id} disabled: ${reason}`);
      await this.subscriptions.disable(subscription.id, reason, Date.now());
    }
  }

  private async topics(): Promise<Set<string>> {
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      return new Set(await admin.listTopics());
    } catch (error) {
      throw new TransientError('the cluster did not list its topics', { cause: error });
    } finally {
      await admin.disconnect();
    }
  }
}
