import { Module, type DynamicModule } from '@nestjs/common';
import { MongooseModule, getConnectionToken } from '@nestjs/mongoose';
import { ServiceMetrics } from '@tessera/platform-metrics';
import type { Connection } from 'mongoose';
import { MongoReadiness } from './mongo-readiness';
import { StoreConnectionLog } from './store-connection-log';
import { StoreMetrics } from './store-metrics';

export interface MongoOptions {
  uri: string;
  database: string;
}

/**
 * The service's own database. Commands are not buffered while disconnected: an operation fails
 * at once with a network error, which consumers treat as transient and retry without committing.
 * Every command is timed into the service's metrics (`ServiceMetrics`, from the MetricsModule).
 */
@Module({})
export class MongoModule {
  static forRoot(options: MongoOptions): DynamicModule {
    return {
      module: MongoModule,
      global: true,
      imports: [
        MongooseModule.forRoot(options.uri, {
          dbName: options.database,
          bufferCommands: false,
          serverSelectionTimeoutMS: 5_000,
          connectTimeoutMS: 5_000,
          monitorCommands: true,
          // No retries of its own: runService starts again while the store is unreachable, up to
          // STARTUP_TIMEOUT_MS, as it does for Kafka.
          retryAttempts: 0,
        }),
      ],
      providers: [
        {
          provide: MongoReadiness,
          useFactory: (connection: Connection) => new MongoReadiness(connection),
          inject: [getConnectionToken()],
        },
        {
          provide: StoreMetrics,
          useFactory: (connection: Connection, metrics: ServiceMetrics) => {
            const store = new StoreMetrics(metrics);
            store.monitor(connection.getClient());
            return store;
          },
          inject: [getConnectionToken(), ServiceMetrics],
        },
        {
          provide: StoreConnectionLog,
          useFactory: (connection: Connection) => {
            const log = new StoreConnectionLog();
            log.watch(connection.getClient());
            return log;
          },
          inject: [getConnectionToken()],
        },
      ],
      exports: [MongoReadiness, MongooseModule],
    };
  }
}
