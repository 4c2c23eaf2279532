import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { TOPICS, type PrivacyStatus } from '@tessera/contracts';
import type { ConsumedMessage } from '@tessera/platform-kafka';
import { PrivacyRequestsService } from './privacy-requests.service';

/** Gathers every service's outcome of a privacy request into the stored request. */
@Controller()
export class PrivacyStatusesConsumer {
  constructor(private readonly requests: PrivacyRequestsService) {}

  @EventPattern(TOPICS.privacyStatuses, { schema: 'PrivacyStatus' })
  async handle(messages: ConsumedMessage<PrivacyStatus>[]): Promise<void> {
    for (const message of messages) await this.requests.recordStatus(message.value);
  }
}
