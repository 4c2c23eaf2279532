import { Module, type DynamicModule } from '@nestjs/common';
import { TOPICS } from '@tessera/contracts';
import { PlatformModule } from '@tessera/platform-service';
import type { Logger } from 'pino';
import type { IngestionConfig } from './config/ingestion.config';
import { IngestionModule } from './ingestion.module';

export const INGESTION_CONSUMER_GROUP = 'tessera-ingestion';

@Module({})
export class AppModule {
  static register(config: IngestionConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({
          config,
          logger,
          kafka: {
            consumerGroup: INGESTION_CONSUMER_GROUP,
            consumes: [TOPICS.rawEvents, TOPICS.privacyResolutions, TOPICS.privacyStatuses],
            produces: [
              TOPICS.acceptedEvents,
              TOPICS.rejectedEvents,
              TOPICS.privacyRequests,
              TOPICS.privacyStatuses,
            ],
          },
        }),
        IngestionModule.register(config),
      ],
    };
  }
}
