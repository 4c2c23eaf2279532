import { Controller, Logger } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { TOPICS, type Event, type IdentityMerge, type ResolvedEvent } from '@tessera/contracts';
import {
  tracesByMessageId,
  type ConsumedMessage,
  type HandlerOutcome,
  type RejectedMessage,
} from '@tessera/platform-kafka';
import { IdentityMetrics } from '../metrics/identity-metrics';
import { BarredEvent } from '../privacy/barred-event';
import { ResolutionPublisher } from './resolution-publisher';
import { ResolveBatchUseCase, UnresolvableEventError } from './resolve-batch.use-case';

/**
 * Resolves a partition's batch of accepted events in order (store work per batch, not per event),
 * then publishes the batch's resolved events and merges; the platform commits the offsets only
 * after that. An event without any usable identifier is parked on the dead-letter topic with the
 * reason; one a privacy request bars (suppressed, or in flight at a deletion) is dropped, counted.
 */
@Controller()
export class AcceptedEventsConsumer {
  private readonly logger = new Logger(AcceptedEventsConsumer.name);

  constructor(
    private readonly resolve: ResolveBatchUseCase,
    private readonly publisher: ResolutionPublisher,
    private readonly metrics: IdentityMetrics,
  ) {}

  @EventPattern(TOPICS.acceptedEvents, { schema: 'Event' })
  async handle(messages: ConsumedMessage<Event>[]): Promise<HandlerOutcome> {
    const outcomes = await this.resolve.resolve(messages.map((message) => message.value));
    const resolved: ResolvedEvent[] = [];
    const merges: IdentityMerge[] = [];
    const rejected: RejectedMessage[] = [];
    outcomes.forEach((outcome, index) => {
      if (outcome instanceof UnresolvableEventError)
        rejected.push({ message: messages[index], reason: 'unresolvable_event', error: outcome });
      else if (outcome instanceof BarredEvent) {
        this.metrics.eventBarred(outcome.verdict);
        // Never the identifiers: the message id says which event it was.
        this.logger.debug(
          `event ${messages[index].value.messageId} dropped: ${outcome.verdict} by a privacy request`,
        );
      } else {
        resolved.push(outcome.resolved);
        merges.push(...outcome.merges);
      }
    });
    const traces = tracesByMessageId(messages);
    await this.publisher.publish(resolved, merges, traces);
    return { rejected };
  }
}
