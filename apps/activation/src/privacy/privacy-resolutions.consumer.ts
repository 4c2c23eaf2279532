import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { TOPICS, type PrivacyResolution, type PrivacyStatus } from '@tessera/contracts';
import { PrivacyStatusPublisher, type ConsumedMessage } from '@tessera/platform-kafka';
import { EraseDeliveriesUseCase } from './erase-deliveries.use-case';

/**
 * Reads resolved privacy requests in order and reports activation's status of each once its
 * deletions are durable; the platform commits after that, so a failure redoes the batch.
 */
@Controller()
export class PrivacyResolutionsConsumer {
  constructor(
    private readonly erase: EraseDeliveriesUseCase,
    private readonly statuses: PrivacyStatusPublisher,
  ) {}

  @EventPattern(TOPICS.privacyResolutions, { schema: 'PrivacyResolution' })
  async resolutions(messages: ConsumedMessage<PrivacyResolution>[]): Promise<void> {
    const statuses: PrivacyStatus[] = [];
    for (const message of messages) statuses.push(await this.erase.apply(message.value));
    await this.statuses.publish(statuses);
  }
}
