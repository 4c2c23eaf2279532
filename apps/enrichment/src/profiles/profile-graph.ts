import { Injectable } from '@nestjs/common';
import { TransientError } from '@tessera/platform-kafka';
import { changedFields, emptyProfile, mergeProfiles, newProfile } from '@tessera/profile';
import { ProfileDefinitions } from '../audiences/profile-definitions';
import { ProfilePublisher } from './profile-publisher';
import { ProfileStoreRepository } from './profile-store.repository';
import type { ProfileDocument } from './profile-store.schema';
import { isLive, stateOf } from './stored-profile';

/** Merges are chains towards smaller ids, so a path is short; this bounds a corrupt one. */
const MAX_HOPS = 64;
/** Attempts of one optimistic write before the batch is handed back to be retried. */
export const MAX_ATTEMPTS = 30;

/**
 * Profiles and the merges between them: finds the live profile each id ended up in, and carries
 * out a merge whose profile was frozen (by this replica or one that stopped half-way).
 */
@Injectable()
export class ProfileGraph {
  constructor(
    private readonly store: ProfileStoreRepository,
    private readonly publisher: ProfilePublisher,
    private readonly definitions: ProfileDefinitions,
  ) {}

  /**
   * The live profile each id resolves to through merges (undefined: the id's profile does not
   * exist yet). Merges met on the way that are still being carried out are finished first.
   */
  async rootsOf(ids: Iterable<string>): Promise<Map<string, ProfileDocument | undefined>> {
    const at = new Map([...new Set(ids)].map((id) => [id, id]));
    const roots = new Map<string, ProfileDocument | undefined>();
    for (let hop = 0; at.size > 0; hop++) {
      if (hop > MAX_HOPS)
        throw new Error(`merge chain longer than ${MAX_HOPS} from ${[...at.keys()].join(', ')}`);
      const docs = await this.store.findProfiles(at.values());
      const frozen = new Map<string, ProfileDocument>();
      for (const [id, node] of at) {
        const doc = docs.get(node);
        if (!doc || isLive(doc)) {
          roots.set(id, doc);
          at.delete(id);
        } else if (doc.mergedInto !== null) at.set(id, doc.mergedInto);
        else frozen.set(doc._id, doc);
      }
      for (const doc of frozen.values()) await this.finishMerge(doc);
    }
    return roots;
  }

  /**
   * Folds a frozen profile into the live profile its target resolves to (once: the survivor
   * records it among `absorbed`), makes it a pointer, and publishes the tombstone and the survivor.
   */
  async finishMerge(frozen: ProfileDocument): Promise<void> {
    const into = frozen.mergingInto as string;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const survivor = (await this.rootsOf([into])).get(into);
      if (survivor?.absorbed.includes(frozen._id)) {
        await this.becomePointer(frozen, into, survivor);
        return;
      }
      const merged = this.folded(survivor, frozen, into);
      const lost = await this.store.writeProfiles([
        { doc: merged, expectedVersion: survivor?.version ?? null },
      ]);
      if (lost.size > 0) continue;
      await this.becomePointer(frozen, into, merged);
      return;
    }
    throw new TransientError(`merging ${frozen._id} into ${into} kept losing races`);
  }

  /** The merged-away profile leaves its audiences; its tombstone and the survivor go out. */
  private async becomePointer(
    frozen: ProfileDocument,
    into: string,
    survivor: ProfileDocument,
  ): Promise<void> {
    const exits = frozen.audiences.map((audienceId) => ({
      audienceId,
      change: 'exited' as const,
      reason: 'merged',
    }));
    await this.store.becomePointer(frozen._id, into, Date.now(), exits);
    const pointer = (await this.store.findProfiles([frozen._id])).get(frozen._id);
    await this.publisher.publish([survivor], pointer ? [pointer] : []);
  }

  private folded(
    survivor: ProfileDocument | undefined,
    frozen: ProfileDocument,
    into: string,
  ): ProfileDocument {
    const before = survivor ? stateOf(survivor) : newProfile(this.definitions.computedTraits());
    const after = mergeProfiles(before, stateOf(frozen), this.definitions.foldOptions());
    const now = Date.now();
    const membership = this.definitions.membership(
      after,
      now,
      survivor?.audiences ?? [],
      'condition',
    );
    const id = survivor?._id ?? into;
    return {
      _id: id,
      version: (survivor?.version ?? 0) + 1,
      state: JSON.stringify(after),
      absorbed: [...new Set([...(survivor?.absorbed ?? []), frozen._id, ...frozen.absorbed])],
      inflight: [...new Set([...(survivor?.inflight ?? []), ...frozen.inflight])],
      mergingInto: null,
      mergedInto: null,
      changed: [
        ...changedFields(survivor ? before : emptyProfile(), after),
        'mergedFrom',
        ...(membership.changes.length > 0 ? ['audiences'] : []),
      ],
      audiences: membership.audiences,
      // The survivor's last writer may not have published its changes (its events may still be
      // waiting for the timeline): send them again rather than lose them.
      audienceChanges: [
        ...((survivor?.inflight.length ?? 0) > 0 ? (survivor?.audienceChanges ?? []) : []),
        ...membership.changes,
      ],
      updatedAt: now,
    };
  }
}
