import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { TOPICS, type PrivacyRequest } from '@tessera/contracts';
import type { ConsumedMessage } from '@tessera/platform-kafka';
import { HandlePrivacyRequestUseCase } from './handle-privacy-request.use-case';
import { PrivacyPublisher } from './privacy-publisher';

/**
 * Carries out privacy requests one after the other and publishes each one's resolution and
 * status before the next; the platform commits the offsets once the batch is through (a throw
 * retries it: requests done already publish the same outcome again).
 */
@Controller()
export class PrivacyRequestsConsumer {
  constructor(
    private readonly requests: HandlePrivacyRequestUseCase,
    private readonly publisher: PrivacyPublisher,
  ) {}

  @EventPattern(TOPICS.privacyRequests, { schema: 'PrivacyRequest' })
  async handle(messages: ConsumedMessage<PrivacyRequest>[]): Promise<void> {
    for (const message of messages) {
      const { resolution, status } = await this.requests.handle(message.value);
      await this.publisher.publish(resolution, status);
    }
  }
}
