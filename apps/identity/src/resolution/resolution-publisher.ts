import { Injectable } from '@nestjs/common';
import type { Context } from '@opentelemetry/api';
import {
  AvroCodec,
  eventKeyOf,
  TOPICS,
  TopicNames,
  type IdentityMerge,
  type ResolvedEvent,
} from '@tessera/contracts';
import { KafkaPublisher } from '@tessera/platform-kafka';

/**
 * Writes resolved events and merges (keyed by the profile merged away) in one acknowledged batch.
 * Each record carries the trace of the event it came from (`traces`, by messageId).
 *
 * A resolved event is keyed as the accepted event was (`eventKeyOf`), not by its profile: an event
 * delivered twice may be resolved to two profiles (to one before a merge, to the survivor after
 * it), and the copies must still reach one partition, where enrichment folds the first and finds
 * it on the timeline when the second comes. A profile's events may then come on several
 * partitions; folding is order-free, and enrichment writes a profile at the version it read.
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
        key: this.codec.encode('EventKey', eventKeyOf(event)),
        value: this.codec.encode('ResolvedEvent', event),
        traceContext: traces.get(event.messageId),
      })),
    });
  }
}
