import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { TOPICS, type PrivacyResolution, type PrivacyStatus } from '@tessera/contracts';
import { PrivacyStatusPublisher, type ConsumedMessage } from '@tessera/platform-kafka';
import { ApplyPrivacyResolutionUseCase } from './apply-privacy-resolution.use-case';

/**
 * Applies resolved privacy requests to the suppression list in order, then reports ingestion's
 * status of each; the offsets commit only after both, so a failure redoes the batch.
 */
@Controller()
export class PrivacyResolutionsConsumer {
  constructor(
    private readonly apply: ApplyPrivacyResolutionUseCase,
    private readonly statuses: PrivacyStatusPublisher,
  ) {}

  @EventPattern(TOPICS.privacyResolutions, { schema: 'PrivacyResolution' })
  async handle(messages: ConsumedMessage<PrivacyResolution>[]): Promise<void> {
    const statuses: PrivacyStatus[] = [];
    for (const message of messages) statuses.push(await this.apply.apply(message.value));
    await this.statuses.publish(statuses);
  }
}
