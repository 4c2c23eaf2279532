import { Injectable } from '@nestjs/common';
import {
  AvroCodec,
  TOPICS,
  TopicNames,
  type IdentityMerge,
  type ResolvedEvent,
} from '@tessera/contracts';
import { KafkaPublisher } from '@tessera/platform-kafka';

/**
 * Writes resolved events (keyed by profile id, so a profile's events stay in order) and merges
 * (keyed by the profile merged away) in one acknowledged batch.
 */
@Injectable()
export class ResolutionPublisher {
  constructor(
    private readonly publisher: KafkaPublisher,
    private readonly codec: AvroCodec,
    private readonly topics: TopicNames,
  ) {}

  async publish(resolved: ResolvedEvent[], merges: IdentityMerge[]): Promise<void> {
    await this.publisher.publish({
      [this.topics.resolve(TOPICS.identityMerges)]: merges.map((merge) => ({
        key: this.codec.encode('ProfileKey', { profileId: merge.from }),
        value: this.codec.encode('IdentityMerge', merge),
      })),
      [this.topics.resolve(TOPICS.resolvedEvents)]: resolved.map((event) => ({
        key: this.codec.encode('ProfileKey', { profileId: event.profileId }),
        value: this.codec.encode('ResolvedEvent', event),
      })),
    });
  }
}
