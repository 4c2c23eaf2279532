import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule } from '@tessera/platform-service';
import type { Logger } from 'pino';
import type { IdentityConfig } from './config/identity.config';

@Module({})
export class AppModule {
  static register(config: IdentityConfig, logger: Logger): DynamicModule {
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
