import { Injectable } from '@nestjs/common';
import {
  AvroCodec,
  TOPICS,
  TopicNames,
  type PrivacyResolution,
  type PrivacyStatus,
} from '@tessera/contracts';
import { KafkaPublisher } from '@tessera/platform-kafka';

/** Writes a privacy request's resolution, then (once acknowledged) identity's status of it. */
@Injectable()
export class PrivacyPublisher {
  constructor(
    private readonly publisher: KafkaPublisher,
    private readonly codec: AvroCodec,
    private readonly topics: TopicNames,
  ) {}

  async publish(resolution: PrivacyResolution | null, status: PrivacyStatus): Promise<void> {
    const key = this.codec.encode('PrivacyRequestKey', { requestId: status.requestId });
    if (resolution)
      await this.publisher.publish({
        [this.topics.resolve(TOPICS.privacyResolutions)]: [
          { key, value: this.codec.encode('PrivacyResolution', resolution) },
        ],
      });
    await this.publisher.publish({
      [this.topics.resolve(TOPICS.privacyStatuses)]: [
        { key, value: this.codec.encode('PrivacyStatus', status) },
      ],
    });
  }
}
