import { Module, type DynamicModule } from '@nestjs/common';
import { TOPICS } from '@tessera/contracts';
import { PlatformModule } from '@tessera/platform-service';
import type { Logger } from 'pino';
import { ActivationModule } from './activation.module';
import type { ActivationConfig } from './config/activation.config';

export const ACTIVATION_CONSUMER_GROUP = 'tessera-activation';

@Module({})
export class AppModule {
  static register(config: ActivationConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({
          config,
          logger,
          kafka: {
            consumerGroup: ACTIVATION_CONSUMER_GROUP,
            consumes: [TOPICS.profiles, TOPICS.audiences, TOPICS.privacyResolutions],
            produces: [TOPICS.privacyStatuses],
          },
        }),
        ActivationModule.register(config),
      ],
    };
  }
}
