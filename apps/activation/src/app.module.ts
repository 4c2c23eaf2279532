import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule } from '@tessera/platform-service';
import type { Logger } from 'pino';
import type { ActivationConfig } from './config/activation.config';

@Module({})
export class AppModule {
  static register(config: ActivationConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({
          config,
          logger,
          kafka: {},
        }),
      ],
    };
  }
}
