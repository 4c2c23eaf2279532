import { Module, type DynamicModule } from '@nestjs/common';
import { TOPICS } from '@tessera/contracts';
import { PlatformModule } from '@tessera/platform-service';
import type { Logger } from 'pino';
import type { EnrichmentConfig } from './config/enrichment.config';
import { ProfilesModule } from './profiles/profiles.module';

export const ENRICHMENT_CONSUMER_GROUP = 'tessera-enrichment';

@Module({})
export class AppModule {
  static register(config: EnrichmentConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({
          config,
          logger,
          kafka: {
            consumerGroup: ENRICHMENT_CONSUMER_GROUP,
            consumes: [TOPICS.resolvedEvents, TOPICS.identityMerges, TOPICS.privacyResolutions],
            produces: [TOPICS.profiles, TOPICS.audiences, TOPICS.privacyStatuses],
          },
        }),
        ProfilesModule.register(config),
      ],
    };
  }
}
