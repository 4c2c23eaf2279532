import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { TOPICS, type IdentityMerge } from '@tessera/contracts';
import { tracesByMessageId, type ConsumedMessage } from '@tessera/platform-kafka';
import { MergeProfilesUseCase } from './merge-profiles.use-case';

/** Carries out the identity service's merges, in partition order. */
@Controller()
export class IdentityMergesConsumer {
  constructor(private readonly mergeProfiles: MergeProfilesUseCase) {}

  @EventPattern(TOPICS.identityMerges, { schema: 'IdentityMerge' })
  async handle(messages: ConsumedMessage<IdentityMerge>[]): Promise<void> {
    const traces = tracesByMessageId(messages);
    await this.mergeProfiles.mergeAll(
      messages.map((message) => message.value),
      traces,
    );
  }
}
