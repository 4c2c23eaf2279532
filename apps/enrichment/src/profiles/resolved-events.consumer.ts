import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { TOPICS, type ResolvedEvent } from '@tessera/contracts';
import { tracesByMessageId, type ConsumedMessage } from '@tessera/platform-kafka';
import { FoldEventsUseCase } from './fold-events.use-case';

/** Folds a partition's batch of resolved events; the platform commits after the snapshots are out. */
@Controller()
export class ResolvedEventsConsumer {
  constructor(private readonly foldEvents: FoldEventsUseCase) {}

  @EventPattern(TOPICS.resolvedEvents, { schema: 'ResolvedEvent' })
  async handle(messages: ConsumedMessage<ResolvedEvent>[]): Promise<void> {
    const traces = tracesByMessageId(messages);
    await this.foldEvents.fold(
      messages.map((message) => message.value),
      traces,
    );
  }
}
