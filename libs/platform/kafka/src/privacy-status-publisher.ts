import { AvroCodec, TOPICS, TopicNames, type PrivacyStatus } from '@tessera/contracts';
import type { KafkaPublisher } from './kafka-publisher';

/**
 * Writes a service's outcomes of privacy requests to the statuses topic, keyed by request so each
 * request's statuses stay in order; resolves once Kafka acknowledged them. Every service reports
 * through it; ingestion gathers the statuses into the request's status.
 */
export class PrivacyStatusPublisher {
  constructor(
    private readonly publisher: KafkaPublisher,
    private readonly codec: AvroCodec,
    private readonly topics: TopicNames,
  ) {}

  async publish(statuses: readonly PrivacyStatus[]): Promise<void> {
    if (statuses.length === 0) return;
    await this.publisher.publish({
      [this.topics.resolve(TOPICS.privacyStatuses)]: statuses.map((status) => ({
        key: this.codec.encode('PrivacyRequestKey', { requestId: status.requestId }),
        value: this.codec.encode('PrivacyStatus', status),
      })),
    });
  }
}
