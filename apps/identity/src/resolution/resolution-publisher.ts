import { Injectable } from '@nestjs/common';
import type { Context } from '@opentelemetry/api';
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
 * (keyed by the profile merged away) in one acknowledged batch. Each record carries the trace of
 * the event it came from (`traces`, by messageId).
 */
@Injectable()
export class ResolutionPublisher {
  constructor(
    private readonly publisher: KafkaPublisher,
    private readonly codec: AvroCodec,
    private readonly topics: TopicNames,
  ) {}

  async publish(
    resolved: ResolvedEvent[],
    merges: IdentityMerge[],
    traces: ReadonlyMap<string, Context> = new Map(),
  ): Promise<void> {
    await this.publisher.publish({
      [this.topics.resolve(TOPICS.identityMerges)]: merges.map((merge) => ({
        key: this.codec.encode('ProfileKey', { profileId: merge.from }),
        value: this.codec.encode('IdentityMerge', merge),
        traceContext: traces.get(merge.messageId),
      })),
      [this.topics.resolve(TOPICS.resolvedEvents)]: resolved.map((event) => ({
        key: this.codec.encode('ProfileKey', { profileId: event.profileId }),
        value: this.codec.encode('ResolvedEvent', event),
        traceContext: traces.get(event.messageId),
      })),
    });
  }
}
