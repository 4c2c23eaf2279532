import { Module, type DynamicModule } from '@nestjs/common';
import type { PlatformConfig } from '@tessera/platform-config';
import { KafkaPlatformModule, KafkaReadinessProbe } from '@tessera/platform-kafka';
import { MetricsModule } from '@tessera/platform-metrics';
import { MongoModule, MongoReadiness } from '@tessera/platform-mongo';
import type { Logger } from 'pino';
import { HealthModule } from './health.module';
import { HttpMetrics } from './http-metrics';

export interface PlatformModuleOptions {
  config: PlatformConfig;
  logger: Logger;
  kafka: {
    consumerGroup?: string;
    consumes?: string[];
    produces?: string[];
  };
}

/**
 * What every service stands on: its database, Kafka, the health endpoints over both, and
 * `/metrics` with what the platform measures (Kafka, store, HTTP, readiness) for every service.
 */
@Module({})
export class PlatformModule {
  static forRoot(options: PlatformModuleOptions): DynamicModule {
    const mongo = MongoModule.forRoot(options.config.mongo);
    const kafka = KafkaPlatformModule.forRoot({
      config: options.config,
      logger: options.logger,
      createTopics: options.config.kafka.createTopics,
      partitions: options.config.kafka.partitions,
      ...options.kafka,
    });
    return {
      module: PlatformModule,
      imports: [
        MetricsModule.forRoot(options.config.service),
        mongo,
        kafka,
        HealthModule.register({
          imports: [mongo, kafka],
          probes: [KafkaReadinessProbe, MongoReadiness],
        }),
      ],
      providers: [HttpMetrics],
    };
  }
}
