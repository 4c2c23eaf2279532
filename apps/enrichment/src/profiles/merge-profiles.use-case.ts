import { Injectable } from '@nestjs/common';
import type { IdentityMerge } from '@tessera/contracts';
import { TransientError } from '@tessera/platform-kafka';
import { newProfile } from '@tessera/profile';
import { ProfileDefinitions } from '../audiences/profile-definitions';
import { MAX_ATTEMPTS, ProfileGraph } from './profile-graph';
import { ProfilePublisher } from './profile-publisher';
import { ProfileStoreRepository } from './profile-store.repository';

/**
 * Carries out the identity service's merges: the profile merged away is frozen first (write-ahead:
 * whoever meets it next finishes the merge), then folded into the survivor. Each step is
 * idempotent, so a redelivered merge changes nothing, and merges and events commute: an event of
 * a merged-away profile that arrives later is folded into the survivor.
 */
@Injectable()
export class MergeProfilesUseCase {
  constructor(
    private readonly store: ProfileStoreRepository,
    private readonly graph: ProfileGraph,
    private readonly publisher: ProfilePublisher,
    private readonly definitions: ProfileDefinitions,
  ) {}

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
