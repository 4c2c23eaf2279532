import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { TOPICS, type Event, type IdentityMerge, type ResolvedEvent } from '@tessera/contracts';
import type { ConsumedMessage, HandlerOutcome, RejectedMessage } from '@tessera/platform-kafka';
import { ResolutionPublisher } from './resolution-publisher';
import { ResolveEventUseCase, UnresolvableEventError } from './resolve-event.use-case';

/**
 * Resolves accepted events in order, one after the other within a partition's batch, then
 * publishes the batch's resolved events and merges; the platform commits the offsets only after
 * that. An event without any usable identifier is parked on the dead-letter topic with the reason.
 */
@Controller()
export class AcceptedEventsConsumer {
  constructor(
    private readonly resolve: ResolveEventUseCase,
    private readonly publisher: ResolutionPublisher,
  ) {}

  @EventPattern(TOPICS.acceptedEvents, { schema: 'Event' })
  async handle(messages: ConsumedMessage<Event>[]): Promise<HandlerOutcome> {
    const resolved: ResolvedEvent[] = [];
    const merges: IdentityMerge[] = [];
    const rejected: RejectedMessage[] = [];
    for (const message of messages) {
      try {
        const outcome = await this.resolve.resolve(message.value);
        resolved.push(outcome.resolved);
        merges.push(...outcome.merges);
      } catch (error) {
        if (!(error instanceof UnresolvableEventError)) throw error;
        rejected.push({ message, reason: 'unresolvable_event', error });
      }
    }
    await this.publisher.publish(resolved, merges);
    return { rejected };
  }
}
