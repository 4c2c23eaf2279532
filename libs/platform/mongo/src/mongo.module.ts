import { Module, type DynamicModule } from '@nestjs/common';
import { MongooseModule, getConnectionToken } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { MongoReadiness } from './mongo-readiness';

export interface MongoOptions {
  uri: string;
  database: string;
}

/**
 * The service's own database. Commands are not buffered while disconnected: an operation fails
 * at once with a network error, which consumers treat as transient and retry without committing.
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
        }),
      ],
      providers: [
        {
          provide: MongoReadiness,
          useFactory: (connection: Connection) => new MongoReadiness(connection),
          inject: [getConnectionToken()],
        },
      ],
      exports: [MongoReadiness, MongooseModule],
    };
  }
}
