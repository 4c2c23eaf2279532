import { Injectable, Logger } from '@nestjs/common';
import { context, type Context } from '@opentelemetry/api';
import type { IdentityMerge } from '@tessera/contracts';
import { TransientError } from '@tessera/platform-kafka';
import { newProfile } from '@tessera/profile';
import { ProfileDefinitions } from '../audiences/profile-definitions';
import { EnrichmentMetrics } from '../metrics/enrichment-metrics';
import { ErasedProfilesRepository } from './erased-profiles.repository';
import { MAX_ATTEMPTS, ProfileGraph } from './profile-graph';
import { ProfileEraser } from './profile-eraser';
import { ProfilePublisher } from './profile-publisher';
import { ProfileStoreRepository } from './profile-store.repository';

/**
 * Carries out the identity service's merges: the profile merged away is frozen first (write-ahead:
 * whoever meets it next finishes the merge), then folded into the survivor. Each step is
 * idempotent, so a redelivered merge changes nothing, and merges and events commute: an event of
 * a merged-away profile that arrives later is folded into the survivor.
 *
 * A merge of a profile a privacy request deleted (either side) is dropped: carried out, it would
 * bring the profile back. A deletion that came while merging is found after it, and what the
 * merges wrote of that profile is deleted too.
 */
@Injectable()
export class MergeProfilesUseCase {
  private readonly logger = new Logger(MergeProfilesUseCase.name);

  constructor(
    private readonly store: ProfileStoreRepository,
    private readonly graph: ProfileGraph,
    private readonly publisher: ProfilePublisher,
    private readonly definitions: ProfileDefinitions,
    private readonly erased: ErasedProfilesRepository,
    private readonly eraser: ProfileEraser,
    private readonly metrics: EnrichmentMetrics,
  ) {}

  /** Carries out a partition's merges in order, each in its trace (`traces`, by messageId). */
  async mergeAll(
    merges: IdentityMerge[],
    traces: ReadonlyMap<string, Context> = new Map(),
  ): Promise<void> {
    const ids = (list: IdentityMerge[]) => list.flatMap((merge) => [merge.from, merge.into]);
    const erased = await this.erased.among(ids(merges));
    const kept = merges.filter((merge) => !erased.has(merge.from) && !erased.has(merge.into));
    this.metrics.droppedForDeletion('merge', merges.length - kept.length);
    for (const merge of kept)
      await context.with(traces.get(merge.messageId) ?? context.active(), () => this.merge(merge));
    const late = await this.erased.among(ids(kept));
    if (late.size === 0) return;
    this.metrics.deletedAgain(late.size);
    this.logger.warn(`${late.size} profiles deleted while these merges wrote them: deleted again`);
    await this.eraser.erase(await this.eraser.survey(late));
  }

  async merge(merge: IdentityMerge): Promise<void> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const from = (await this.store.findProfiles([merge.from])).get(merge.from);
      if (from?.mergedInto) {
        // Done before (a redelivery): publish again, in case the first run stopped before it did.
        const survivor = (await this.graph.rootsOf([from.mergedInto])).get(from.mergedInto);
        await this.publisher.publish(survivor ? [survivor] : [], [from]);
        return;
      }
      if (from?.mergingInto) return this.graph.finishMerge(from);
      const now = Date.now();
      const frozen = from
        ? await this.store.freeze(from._id, from.version, merge.into, now)
        : // None of its events arrived yet: they will follow the pointer.
          (
            await this.store.writeProfiles([
              {
                doc: {
                  _id: merge.from,
                  version: 1,
                  state: JSON.stringify(newProfile(this.definitions.computedTraits())),
                  absorbed: [],
                  inflight: [],
                  mergingInto: merge.into,
                  mergedInto: null,
                  changed: [],
                  audiences: [],
                  audienceChanges: [],
                  updatedAt: now,
                },
                expectedVersion: null,
              },
            ])
          ).size === 0;
      if (!frozen) continue;
      const current = (await this.store.findProfiles([merge.from])).get(merge.from);
      if (current?.mergingInto) return this.graph.finishMerge(current);
    }
    throw new TransientError(
      `freezing ${merge.from} for its merge into ${merge.into} kept losing races`,
    );
  }
}
