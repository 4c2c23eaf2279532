import { Module, type DynamicModule } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { ADMIN_TOKEN, AdminTokenGuard } from '@tessera/platform-service';
import { ProfileQueries } from '../api/profile-queries';
import { ProfilesController } from '../api/profiles.controller';
import { ENRICHMENT_CONFIG } from '../config/enrichment-config.token';
import type { EnrichmentConfig } from '../config/enrichment.config';
import { FoldEventsUseCase } from './fold-events.use-case';
import { IdentityMergesConsumer } from './identity-merges.consumer';
import { MergeProfilesUseCase } from './merge-profiles.use-case';
import { ProfileGraph } from './profile-graph';
import { ProfilePublisher } from './profile-publisher';
import { ProfileStoreRepository } from './profile-store.repository';
import {
  IDENTIFIER_MODEL,
  IdentifierSchema,
  PROFILE_MODEL,
  ProfileSchema,
  TIMELINE_MODEL,
  TimelineSchema,
} from './profile-store.schema';
import { ResolvedEventsConsumer } from './resolved-events.consumer';

/** Profiles folded from resolved events and merges, published on the profiles topic, and read by the Profile API. */
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
        ]),
      ],
      controllers: [ResolvedEventsConsumer, IdentityMergesConsumer, ProfilesController],
      providers: [
        { provide: ENRICHMENT_CONFIG, useValue: config },
        { provide: ADMIN_TOKEN, useValue: config.adminToken },
        AdminTokenGuard,
        ProfileStoreRepository,
        ProfileGraph,
        ProfilePublisher,
        FoldEventsUseCase,
        MergeProfilesUseCase,
        ProfileQueries,
      ],
    };
  }
}
