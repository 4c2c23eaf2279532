import { Module, type DynamicModule } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { ADMIN_TOKEN, AdminTokenGuard } from '@tessera/platform-service';
import { ProfileQueries } from '../api/profile-queries';
import { ProfileDefinitions } from '../audiences/profile-definitions';
import { AudienceEvaluation } from '../audiences/audience-evaluation';
import { AudienceRepository } from '../audiences/audience.repository';
import { AudiencesController } from '../audiences/audiences.controller';
import { ComputedTraitsController } from '../audiences/computed-traits.controller';
import { AudiencesService } from '../audiences/audiences.service';
import { ProfilesController } from '../api/profiles.controller';
import { ENRICHMENT_CONFIG } from '../config/enrichment-config.token';
import type { EnrichmentConfig } from '../config/enrichment.config';
import { EnrichmentMetrics } from '../metrics/enrichment-metrics';
import { EraseProfilesUseCase } from '../privacy/erase-profiles.use-case';
import { PrivacyResolutionsConsumer } from '../privacy/privacy-resolutions.consumer';
import { ErasedProfilesRepository } from './erased-profiles.repository';
import { FoldEventsUseCase } from './fold-events.use-case';
import { IdentityMergesConsumer } from './identity-merges.consumer';
import { MergeProfilesUseCase } from './merge-profiles.use-case';
import { ProfileEraser } from './profile-eraser';
import { ProfileGraph } from './profile-graph';
import { ProfilePublisher } from './profile-publisher';
import { ProfileStoreRepository } from './profile-store.repository';
import {
  AUDIENCE_MODEL,
  AudienceSchema,
  COMPUTED_TRAIT_MODEL,
  ComputedTraitSchema,
  ERASED_PROFILE_MODEL,
  ErasedProfileSchema,
  EVALUATION_MODEL,
  EvaluationSchema,
  IDENTIFIER_MODEL,
  IdentifierSchema,
  PROFILE_MODEL,
  ProfileSchema,
  TIMELINE_MODEL,
  TimelineSchema,
} from './profile-store.schema';
import { ResolvedEventsConsumer } from './resolved-events.consumer';

/**
 * Profiles folded from resolved events and merges, their audiences, published on the profiles and
 * audiences topics, read through the Profile and audiences APIs, and deleted by privacy requests.
 */
@Module({})
export class ProfilesModule {
  static register(config: EnrichmentConfig): DynamicModule {
    return {
      module: ProfilesModule,
      imports: [
        MongooseModule.forFeature([
          { name: PROFILE_MODEL, schema: ProfileSchema },
          { name: TIMELINE_MODEL, schema: TimelineSchema },
          { name: IDENTIFIER_MODEL, schema: IdentifierSchema },
          { name: AUDIENCE_MODEL, schema: AudienceSchema },
          { name: EVALUATION_MODEL, schema: EvaluationSchema },
          { name: COMPUTED_TRAIT_MODEL, schema: ComputedTraitSchema },
          { name: ERASED_PROFILE_MODEL, schema: ErasedProfileSchema },
        ]),
      ],
      controllers: [
        ResolvedEventsConsumer,
        IdentityMergesConsumer,
        PrivacyResolutionsConsumer,
        ProfilesController,
        AudiencesController,
        ComputedTraitsController,
      ],
      providers: [
        { provide: ENRICHMENT_CONFIG, useValue: config },
        { provide: ADMIN_TOKEN, useValue: config.adminToken },
        AdminTokenGuard,
        ProfileStoreRepository,
        ProfileGraph,
        ProfilePublisher,
        FoldEventsUseCase,
        MergeProfilesUseCase,
        EnrichmentMetrics,
        ErasedProfilesRepository,
        ProfileEraser,
        EraseProfilesUseCase,
        ProfileQueries,
        AudienceRepository,
        ProfileDefinitions,
        AudienceEvaluation,
        AudiencesService,
      ],
    };
  }
}
