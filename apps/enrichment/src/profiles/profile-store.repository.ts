import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { insertReportingDuplicates, type InsertTarget } from '@tessera/platform-mongo';
import type { Collection } from 'mongodb';
import type { Model } from 'mongoose';
import {
  IDENTIFIER_MODEL,
  PROFILE_MODEL,
  TIMELINE_MODEL,
  type AudienceChange,
  type IdentifierDocument,
  type ProfileDocument,
  type TimelineDocument,
} from './profile-store.schema';

/** A profile write: a new profile (`expectedVersion` null) or a change of the version read. */
export interface ProfileWrite {
  doc: ProfileDocument;
  expectedVersion: number | null;
}

/** A page of a timeline, newest first; `next` continues after the last entry. */
export interface TimelinePage {
  events: TimelineDocument[];
  next: { at: number; id: string } | null;
}

/**
 * Enrichment's store: profiles (optimistic concurrency on `version`), the timeline, and the
 * identifier lookup. Writes are inserts on a unique `_id` and conditional updates by `_id`, so
 * they are atomic on MongoDB and on FerretDB alike; reads are `$in` batches.
 */
@Injectable()
export class ProfileStoreRepository {
  private readonly profiles: Collection<ProfileDocument>;
  private readonly timeline: Collection<TimelineDocument>;
  private readonly identifiers: Collection<IdentifierDocument>;

  constructor(
    @InjectModel(PROFILE_MODEL) profiles: Model<ProfileDocument>,
    @InjectModel(TIMELINE_MODEL) timeline: Model<TimelineDocument>,
    @InjectModel(IDENTIFIER_MODEL) identifiers: Model<IdentifierDocument>,
  ) {
    this.profiles = profiles.collection as unknown as Collection<ProfileDocument>;
    this.timeline = timeline.collection as unknown as Collection<TimelineDocument>;
    this.identifiers = identifiers.collection as unknown as Collection<IdentifierDocument>;
  }

  async findProfiles(ids: Iterable<string>): Promise<Map<string, ProfileDocument>> {
    const wanted = [...new Set(ids)];
    if (wanted.length === 0) return new Map();
    const found = await this.profiles.find({ _id: { $in: wanted } }).toArray();
    return new Map(found.map((doc) => [doc._id, doc]));
  }

  /**
   * Writes every change whose profile is still at the version read, and inserts the new profiles
   * nobody created meanwhile; returns the ids that lost the race (to be read and planned again).
   */
  async writeProfiles(writes: ProfileWrite[]): Promise<Set<string>> {
    const lost = new Set<string>();
    const inserts = writes.filter((write) => write.expectedVersion === null).map((w) => w.doc);
    if (inserts.length > 0) {
      const target = this.profiles as unknown as InsertTarget<ProfileDocument>;
      for (const index of await insertReportingDuplicates(target, inserts))
        lost.add(inserts[index]._id);
    }
    // One conditional update each, sent together: a bulk would not say which of them matched.
    const updates = writes.filter((write) => write.expectedVersion !== null);
    const outcomes = await Promise.all(
      updates.map(({ doc, expectedVersion }) =>
        this.profiles.updateOne(
          { _id: doc._id, version: expectedVersion as number },
          { $set: withoutId(doc) },
        ),
      ),
    );
    outcomes.forEach((outcome, index) => {
      if (outcome.matchedCount === 0) lost.add(updates[index].doc._id);
    });
    return lost;
  }

  /** Live profiles in id order, after `afterId`: the pages an evaluation of every profile walks. */
  livePage(afterId: string, limit: number): Promise<ProfileDocument[]> {
    return this.profiles
      .find({ _id: { $gt: afterId }, mergedInto: null, mergingInto: null })
      .sort({ _id: 1 })
      .limit(limit)
      .toArray();
  }

  /** Live members of an audience in id order, after `afterId`. */
  membersPage(audienceId: string, afterId: string, limit: number): Promise<ProfileDocument[]> {
    return this.profiles
      .find(
        { audiences: audienceId, _id: { $gt: afterId }, mergedInto: null, mergingInto: null },
        { projection: { _id: 1, version: 1 } },
      )
      .sort({ _id: 1 })
      .limit(limit)
      .toArray();
  }

  /** Freezes a live profile for a merge: no write lands on it after this, until it is a pointer. */
  async freeze(id: string, expectedVersion: number, into: string, now: number): Promise<boolean> {
    const result = await this.profiles.updateOne(
      { _id: id, version: expectedVersion, mergingInto: null, mergedInto: null },
      { $set: { mergingInto: into, version: expectedVersion + 1, updatedAt: now } },
    );
    return result.modifiedCount === 1;
  }

  /** Turns a frozen profile whose state is folded into the survivor into a pointer to it. */
  async becomePointer(
    id: string,
    into: string,
    now: number,
    exits: AudienceChange[],
  ): Promise<void> {
    await this.profiles.updateOne(
      { _id: id, mergingInto: into },
      {
        $set: {
          mergedInto: into,
          mergingInto: null,
          state: null,
          inflight: [],
          audiences: [],
          audienceChanges: exits,
          updatedAt: now,
        },
        $inc: { version: 1 },
      },
    );
  }

  /** Inserts timeline entries; an entry stored already (a redelivery) is left as it is. */
  async insertTimeline(docs: TimelineDocument[]): Promise<void> {
    if (docs.length === 0) return;
    await insertReportingDuplicates(
      this.timeline as unknown as InsertTarget<TimelineDocument>,
      docs,
    );
  }

  /** Which of these events have a timeline entry: folded into their profile and published. */
  async storedEvents(ids: Iterable<string>): Promise<Set<string>> {
    const wanted = [...new Set(ids)];
    if (wanted.length === 0) return new Set();
    const found = await this.timeline
      .find({ _id: { $in: wanted } }, { projection: { _id: 1 } })
      .toArray();
    return new Set(found.map((doc) => doc._id));
  }

  /** Links identifiers to a profile; one linked already keeps its profile (merges are followed). */
  async linkIdentifiers(links: IdentifierDocument[]): Promise<void> {
    if (links.length === 0) return;
    await insertReportingDuplicates(
      this.identifiers as unknown as InsertTarget<IdentifierDocument>,
      links,
    );
  }

  async findIdentifier(key: string): Promise<IdentifierDocument | null> {
    return this.identifiers.findOne({ _id: key });
  }

  /** How many timeline entries these profiles have. */
  countTimelineOf(profileIds: string[]): Promise<number> {
    return this.timeline.countDocuments({ profileId: { $in: profileIds } });
  }

  /** How many identifiers are linked to these profiles. */
  countIdentifiersOf(profileIds: string[]): Promise<number> {
    return this.identifiers.countDocuments({ profileId: { $in: profileIds } });
  }

  /**
   * Deletes everything stored of these profiles: identifier links, timeline entries, and last the
   * profile documents (live, frozen or pointers), whose `absorbed` a redelivery after a stop
   * half-way needs to find the profiles merged in.
   */
  async deleteProfiles(profileIds: string[]): Promise<void> {
    if (profileIds.length === 0) return;
    await this.identifiers.deleteMany({ profileId: { $in: profileIds } });
    await this.timeline.deleteMany({ profileId: { $in: profileIds } });
    await this.profiles.deleteMany({ _id: { $in: profileIds } });
  }

  /** Every timeline entry of these profiles: a profile's history, to backfill a computed trait. */
  timelineOf(profileIds: string[]): Promise<TimelineDocument[]> {
    return this.timeline.find({ profileId: { $in: profileIds } }).toArray();
  }

  /** A page of the events of these profiles, newest first, after `after` when given. */
  async timelinePage(
    profileIds: string[],
    limit: number,
    after: { at: number; id: string } | null,
  ): Promise<TimelinePage> {
    const filter = after
      ? {
          profileId: { $in: profileIds },
          $or: [{ at: { $lt: after.at } }, { at: after.at, _id: { $lt: after.id } }],
        }
      : { profileId: { $in: profileIds } };
    const events = await this.timeline
      .find(filter)
      .sort({ at: -1, _id: -1 })
      .limit(limit + 1)
      .toArray();
    const page = events.slice(0, limit);
    const last = page[page.length - 1];
    return { events: page, next: events.length > limit ? { at: last.at, id: last._id } : null };
  }
}

function withoutId({ _id, ...rest }: ProfileDocument): Omit<ProfileDocument, '_id'> {
  return rest;
}
