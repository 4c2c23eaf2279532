import { Module, type DynamicModule } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { ADMIN_TOKEN, AdminTokenGuard } from '@tessera/platform-service';
import { AdminController } from './admin/admin.controller';
import { CollectEventsUseCase } from './collection/collect-events.use-case';
import { CollectionController } from './collection/collection.controller';
import { DedupeRepository } from './collection/dedupe.repository';
import { DedupeSchema, DEDUPE_MODEL } from './collection/dedupe.schema';
import { DedupeSweeper } from './collection/dedupe-sweeper';
import { EventsPublisher } from './collection/events-publisher';
import { IngestionMetrics } from './collection/ingestion-metrics';
import { RateLimiter } from './collection/rate-limiter';
import { INGESTION_CONFIG } from './config/ingestion-config.token';
import type { IngestionConfig } from './config/ingestion.config';
import { OpenApiController } from './openapi/openapi.controller';
import { ApplyPrivacyResolutionUseCase } from './privacy/apply-privacy-resolution.use-case';
import { PrivacyPublisher } from './privacy/privacy-publisher';
import { PrivacyIdempotencyKeysRepository } from './privacy/privacy-idempotency-keys.repository';
import {
  PRIVACY_IDEMPOTENCY_KEY_MODEL,
  PRIVACY_REQUEST_MODEL,
  PrivacyIdempotencyKeySchema,
  PrivacyRequestSchema,
  SUPPRESSION_MODEL,
  SuppressionSchema,
} from './privacy/privacy-request.schema';
import { PrivacyRequestsRepository } from './privacy/privacy-requests.repository';
import { PrivacyRequestsService } from './privacy/privacy-requests.service';
import { PrivacyResolutionsConsumer } from './privacy/privacy-resolutions.consumer';
import { PrivacyStatusesConsumer } from './privacy/privacy-statuses.consumer';
import { PrivacyController } from './privacy/privacy.controller';
import { SuppressionList } from './privacy/suppression-list';
import { SuppressionsRepository } from './privacy/suppressions.repository';
import { RawEventsConsumer } from './raw-ingest/raw-events.consumer';
import { ReplicaRegistry } from './replicas/replica-registry';
import {
  SOURCE_MODEL,
  SourceSchema,
  WRITE_KEY_MODEL,
  WriteKeySchema,
} from './sources/source.schema';
import { SourcesRepository } from './sources/sources.repository';
import { SourcesService } from './sources/sources.service';

/** Collection API, direct Kafka ingest, sources and tracking plans, privacy requests. */
@Module({})
export class IngestionModule {
  static register(config: IngestionConfig): DynamicModule {
    return {
      module: IngestionModule,
      imports: [
        MongooseModule.forFeature([
          { name: SOURCE_MODEL, schema: SourceSchema },
          { name: WRITE_KEY_MODEL, schema: WriteKeySchema },
          { name: DEDUPE_MODEL, schema: DedupeSchema },
          { name: PRIVACY_REQUEST_MODEL, schema: PrivacyRequestSchema },
          { name: SUPPRESSION_MODEL, schema: SuppressionSchema },
          { name: PRIVACY_IDEMPOTENCY_KEY_MODEL, schema: PrivacyIdempotencyKeySchema },
        ]),
      ],
      controllers: [
        CollectionController,
        AdminController,
        OpenApiController,
        RawEventsConsumer,
        PrivacyController,
        PrivacyStatusesConsumer,
        PrivacyResolutionsConsumer,
      ],
      providers: [
        { provide: INGESTION_CONFIG, useValue: config },
        { provide: ADMIN_TOKEN, useValue: config.adminToken },
        AdminTokenGuard,
        SourcesRepository,
        SourcesService,
        DedupeRepository,
        DedupeSweeper,
        EventsPublisher,
        IngestionMetrics,
        ReplicaRegistry,
        RateLimiter,
        CollectEventsUseCase,
        PrivacyRequestsRepository,
        PrivacyIdempotencyKeysRepository,
        PrivacyRequestsService,
        PrivacyPublisher,
        SuppressionsRepository,
        SuppressionList,
        ApplyPrivacyResolutionUseCase,
      ],
    };
  }
}
