import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule } from '@tessera/platform-service';
import type { Logger } from 'pino';
import type { EnrichmentConfig } from './config/enrichment.config';

@Module({})
export class AppModule {
  static register(config: EnrichmentConfig, logger: Logger): DynamicModule {
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
