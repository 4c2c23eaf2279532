import { Injectable } from '@nestjs/common';
import {
  AvroCodec,
  TOPICS,
  TopicNames,
  type PrivacyResolution,
  type PrivacyStatus,
} from '@tessera/contracts';
import { KafkaPublisher, PrivacyStatusPublisher } from '@tessera/platform-kafka';

/** Writes a privacy request's resolution, then (once acknowledged) identity's status of it. */
@Injectable()
export class PrivacyPublisher {
  constructor(
    private readonly publisher: KafkaPublisher,
    private readonly codec: AvroCodec,
    private readonly topics: TopicNames,
    private readonly statuses: PrivacyStatusPublisher,
  ) {}

  async publish(resolution: PrivacyResolution | null, status: PrivacyStatus): Promise<void> {
    if (resolution)
      await this.publisher.publish({
        [this.topics.resolve(TOPICS.privacyResolutions)]: [
          {
            key: this.codec.encode('PrivacyRequestKey', { requestId: resolution.requestId }),
            value: this.codec.encode('PrivacyResolution', resolution),
          },
        ],
      });
    await this.statuses.publish([status]);
  }
}
