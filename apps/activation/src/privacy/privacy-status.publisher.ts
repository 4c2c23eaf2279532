import { Injectable } from '@nestjs/common';
import { AvroCodec, TOPICS, TopicNames, type PrivacyStatus } from '@tessera/contracts';
import { KafkaPublisher } from '@tessera/platform-kafka';

/** Writes activation's statuses of privacy requests, keyed by request; resolves once acknowledged. */
@Injectable()
export class PrivacyStatusPublisher {
  constructor(
    private readonly publisher: KafkaPublisher,
    private readonly codec: AvroCodec,
    private readonly topics: TopicNames,
  ) {}

  async publish(statuses: PrivacyStatus[]): Promise<void> {
    if (statuses.length === 0) return;
    await this.publisher.publish({
      [this.topics.resolve(TOPICS.privacyStatuses)]: statuses.map((status) => ({
        key: this.codec.encode('PrivacyRequestKey', { requestId: status.requestId }),
        value: this.codec.encode('PrivacyStatus', status),
      })),
    });
  }
}
