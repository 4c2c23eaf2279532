import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import {
  meetsCondition,
  type Aggregate,
  type AudienceCondition,
  type ComputedTraitDefinition,
  type FoldOptions,
  type ProfileState,
} from '@tessera/profile';
import { ENRICHMENT_CONFIG } from '../config/enrichment-config.token';
import type { EnrichmentConfig } from '../config/enrichment.config';
import type {
  AudienceChange,
  AudienceDocument,
  ComputedTraitDocument,
} from '../profiles/profile-store.schema';
import { AudienceRepository } from './audience.repository';

export interface Audience {
  id: string;
  condition: AudienceCondition;
  dependsOnTime: boolean;
}

/** Memberships of a profile after a change, and how they differ from before. */
export interface Membership {
  audiences: string[];
  changes: AudienceChange[];
}

/**
 * The audience and computed trait definitions this replica folds and evaluates profiles with, re-read every
 * AUDIENCE_REFRESH_MS (and at once after a change made through this replica). A definition another
 * replica changed reaches profile writes here within that time; the evaluation that follows every
 * change starts only after it, so no profile is left out.
 */
@Injectable()
export class ProfileDefinitions implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ProfileDefinitions.name);
  private audiences: readonly Audience[] = [];
  private traits: readonly ComputedTraitDefinition[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly repository: AudienceRepository,
    @Inject(ENRICHMENT_CONFIG) private readonly config: EnrichmentConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(
      () =>
        void this.refresh().catch((error: unknown) =>
          this.logger.warn(`audience definitions not refreshed; will retry: ${String(error)}`),
        ),
      this.config.audiences.refreshMs,
    );
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async refresh(): Promise<void> {
    const [audiences, traits] = await Promise.all([
      this.repository.list(),
      this.repository.listComputedTraits(),
    ]);
    this.audiences = audiences.map(audienceOf);
    this.traits = traits.map(computedTraitOf);
  }

  current(): readonly Audience[] {
    return this.audiences;
  }

  computedTraits(): readonly ComputedTraitDefinition[] {
    return this.traits;
  }

  /** How events fold with the computed traits known now. */
  foldOptions(): FoldOptions {
    return { ...this.config.fold, computedTraits: this.traits };
  }

  /** The audiences a profile meets at `now`, and the entered / exited changes since `previous`. */
  membership(
    state: ProfileState,
    now: number,
    previous: readonly string[],
    reason: string,
  ): Membership {
    const audiences = this.audiences
      .filter((audience) => meetsCondition(audience.condition, state, now, this.traits))
      .map((audience) => audience.id)
      .sort();
    const known = new Set(this.audiences.map((audience) => audience.id));
    const changes: AudienceChange[] = [
      ...audiences
        .filter((id) => !previous.includes(id))
        .map((audienceId) => ({ audienceId, change: 'entered' as const, reason })),
      ...previous
        .filter((id) => !audiences.includes(id))
        .map((audienceId) => ({
          audienceId,
          change: 'exited' as const,
          // An audience that is gone was deleted: its definition, not the profile, changed.
          reason: known.has(audienceId) ? reason : 'definition',
        })),
    ];
    return { audiences, changes };
  }
}

export function computedTraitOf(doc: ComputedTraitDocument): ComputedTraitDefinition {
  return {
    id: doc._id,
    // Each version of a definition its own buckets: one deleted and defined again starts afresh.
    key: `${doc._id}@${doc.revision}`,
    event: doc.event,
    property: doc.property,
    aggregate: doc.aggregate as Aggregate,
    withinDays: doc.withinDays,
  };
}

export function audienceOf(doc: AudienceDocument): Audience {
  return {
    id: doc._id,
    condition: JSON.parse(doc.condition) as AudienceCondition,
    dependsOnTime: doc.dependsOnTime,
  };
}
