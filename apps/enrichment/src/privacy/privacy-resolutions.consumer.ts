import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { TOPICS, type PrivacyResolution } from '@tessera/contracts';
import type { ConsumedMessage } from '@tessera/platform-kafka';
import { EraseProfilesUseCase } from './erase-profiles.use-case';

/**
 * Carries out the identity service's resolved privacy requests, one after the other; the platform
 * commits once every effect and status is durable.
 */
@Controller()
export class PrivacyResolutionsConsumer {
  constructor(private readonly eraseProfiles: EraseProfilesUseCase) {}

  @EventPattern(TOPICS.privacyResolutions, { schema: 'PrivacyResolution' })
  async handle(messages: ConsumedMessage<PrivacyResolution>[]): Promise<void> {
    for (const message of messages) await this.eraseProfiles.handle(message.value);
  }
}
