import { Inject, Injectable } from '@nestjs/common';
import {
  AvroCodec,
  eventKeyOf,
  TOPICS,
  TopicNames,
  type Event,
  type RejectedEvent,
} from '@tessera/contracts';
import { KafkaPublisher, type OutboundRecord } from '@tessera/platform-kafka';
import { INGESTION_CONFIG } from '../config/ingestion-config.token';
import type { IngestionConfig } from '../config/ingestion.config';
import { IngestUnavailableError } from './ingest-unavailable.error';

/**
 * Writes accepted events and rejections to Kafka in one batch, keyed so that one user's events
 * stay in order. Resolves only once every record is acknowledged by all in-sync replicas.
 */
@Injectable()
export class EventsPublisher {
  constructor(
    private readonly publisher: KafkaPublisher,
    private readonly codec: AvroCodec,
    private readonly topics: TopicNames,
    @Inject(INGESTION_CONFIG) private readonly config: IngestionConfig,
  ) {}

  /**
   * `onLateDelivery` runs when Kafka acknowledges after the caller was already told it did not
   * (timeout): the caller can still record the delivery, so the client's retry is a duplicate.
   */
  async publish(
    accepted: Event[],
    rejected: RejectedEvent[],
    onLateDelivery?: () => Promise<void>,
  ): Promise<void> {
    const byTopic: Record<string, OutboundRecord[]> = {
      [this.topics.resolve(TOPICS.acceptedEvents)]: accepted.map((event) => ({
        key: this.codec.encode('EventKey', eventKeyOf(event)),
        value: this.codec.encode('Event', event),
      })),
      [this.topics.resolve(TOPICS.rejectedEvents)]: rejected.map((rejection) => ({
        key: rejection.sourceId ? this.codec.encode('EventKey', { key: rejection.sourceId }) : null,
        value: this.codec.encode('RejectedEvent', rejection),
      })),
    };
    await this.withTimeout(this.publisher.publish(byTopic), onLateDelivery);
  }

  private async withTimeout(
    work: Promise<void>,
    onLateDelivery?: () => Promise<void>,
  ): Promise<void> {
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        reject(new Error(`no acknowledgement within ${this.config.publishTimeoutMs} ms`));
      }, this.config.publishTimeoutMs);
    });
    try {
      await Promise.race([work, timeout]);
    } catch (error) {
      // The producer keeps trying after the timeout; a late success still counts as delivered.
      if (timedOut && onLateDelivery) work.then(onLateDelivery).catch(() => undefined);
      throw new IngestUnavailableError('kafka', { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }
}
