import { Module, type DynamicModule } from '@nestjs/common';
import { TOPICS } from '@tessera/contracts';
import { PlatformModule } from '@tessera/platform-service';
import type { Logger } from 'pino';
import type { IdentityConfig } from './config/identity.config';
import { IdentityModule } from './identity.module';

export const IDENTITY_CONSUMER_GROUP = 'tessera-identity';

@Module({})
export class AppModule {
  static register(config: IdentityConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({
          config,
          logger,
          kafka: {
            consumerGroup: IDENTITY_CONSUMER_GROUP,
            consumes: [TOPICS.acceptedEvents, TOPICS.privacyRequests],
            produces: [
              TOPICS.resolvedEvents,
              TOPICS.identityMerges,
              TOPICS.privacyResolutions,
              TOPICS.privacyStatuses,
            ],
          },
        }),
        IdentityModule.register(config),
      ],
    };
  }
}
