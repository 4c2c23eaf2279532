import { Injectable } from '@nestjs/common';
import { ProfilePublisher } from './profile-publisher';
import { ProfileStoreRepository } from './profile-store.repository';
import type { ErasureCounts, ProfileDocument } from './profile-store.schema';

/** The profiles a deletion names, as stored before anything is deleted. */
export interface ErasureSurvey {
  /** The profiles named, and every profile merged into them. */
  ids: string[];
  docs: ProfileDocument[];
}

/**
 * Deletes everything enrichment holds of profiles: their documents (live, frozen mid-merge, or
 * merge pointers), timeline entries, identifier links and, with the documents, their traits,
 * computed trait buckets and audience memberships. Their audience exits and tombstones go out.
 */
@Injectable()
export class ProfileEraser {
  constructor(
    private readonly store: ProfileStoreRepository,
    private readonly publisher: ProfilePublisher,
  ) {}

  /** Reads these profiles and every profile merged into them. */
  async survey(profileIds: Iterable<string>): Promise<ErasureSurvey> {
    const named = [...new Set(profileIds)];
    const docs = await this.store.findProfiles(named);
    const absorbed = [...docs.values()].flatMap((doc) => doc.absorbed);
    for (const [id, doc] of await this.store.findProfiles(absorbed.filter((a) => !docs.has(a))))
      docs.set(id, doc);
    return { ids: [...new Set([...named, ...absorbed])].sort(), docs: [...docs.values()] };
  }

  /** How much is stored of the surveyed profiles. */
  async count({ ids, docs }: ErasureSurvey): Promise<ErasureCounts> {
    const [timelineEvents, identifiers] = await Promise.all([
      this.store.countTimelineOf(ids),
      this.store.countIdentifiersOf(ids),
    ]);
    return {
      profiles: docs.length,
      timelineEvents,
      identifiers,
      audienceMemberships: docs.reduce((sum, doc) => sum + doc.audiences.length, 0),
    };
  }

  /**
   * Exits first (a stop after them sends them again, from the documents still there), then the
   * store, then the tombstones: a snapshot another replica published before the documents went
   * lands before them.
   */
  async erase(survey: ErasureSurvey): Promise<void> {
    await this.publisher.publishExits(survey.docs);
    await this.store.deleteProfiles(survey.ids);
    await this.publisher.publishDeleted(survey.ids, survey.docs);
  }
}
