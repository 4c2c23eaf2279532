import { Module, type DynamicModule } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { ADMIN_TOKEN, AdminTokenGuard } from '@tessera/platform-service';
import { IdentityApiController } from './api/identity-api.controller';
import { IdentityQueries } from './api/identity-queries';
import { IDENTITY_CONFIG } from './config/identity-config.token';
import type { IdentityConfig } from './config/identity.config';
import {
  IDENTIFIER_MODEL,
  IdentifierSchema,
  MERGE_MODEL,
  MergeSchema,
  PROFILE_MODEL,
  ProfileSchema,
} from './graph/graph.schema';
import { IdentityGraphRepository } from './graph/identity-graph.repository';
import { AcceptedEventsConsumer } from './resolution/accepted-events.consumer';
import { ResolutionPublisher } from './resolution/resolution-publisher';
import { ResolveBatchUseCase } from './resolution/resolve-batch.use-case';
import { GraphReader } from './graph/graph-reader';
import { IdentityMetrics } from './metrics/identity-metrics';
import { HandlePrivacyRequestUseCase } from './privacy/handle-privacy-request.use-case';
import { PrivacyPublisher } from './privacy/privacy-publisher';
import { PrivacyRequestsConsumer } from './privacy/privacy-requests.consumer';
import { PrivacyRepository } from './privacy/privacy.repository';
import {
  PRIVACY_REQUEST_MODEL,
  PrivacyRequestSchema,
  TOMBSTONE_MODEL,
  TombstoneSchema,
} from './privacy/privacy.schema';
import { PrivacyScreen } from './privacy/privacy-screen';

/** The identity graph, the resolution of accepted events, and privacy requests. */
@Module({})
export class IdentityModule {
  static register(config: IdentityConfig): DynamicModule {
    return {
      module: IdentityModule,
      imports: [
        MongooseModule.forFeature([
          { name: PROFILE_MODEL, schema: ProfileSchema },
          { name: IDENTIFIER_MODEL, schema: IdentifierSchema },
          { name: MERGE_MODEL, schema: MergeSchema },
          { name: TOMBSTONE_MODEL, schema: TombstoneSchema },
          { name: PRIVACY_REQUEST_MODEL, schema: PrivacyRequestSchema },
        ]),
      ],
      controllers: [AcceptedEventsConsumer, PrivacyRequestsConsumer, IdentityApiController],
      providers: [
        { provide: IDENTITY_CONFIG, useValue: config },
        { provide: ADMIN_TOKEN, useValue: config.adminToken },
        AdminTokenGuard,
        IdentityQueries,
        IdentityGraphRepository,
        GraphReader,
        ResolveBatchUseCase,
        ResolutionPublisher,
        IdentityMetrics,
        PrivacyRepository,
        PrivacyScreen,
        HandlePrivacyRequestUseCase,
        PrivacyPublisher,
      ],
    };
  }
}
