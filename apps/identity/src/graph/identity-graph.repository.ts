import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { identifierKey } from '@tessera/identity';
import { insertReportingDuplicates, type InsertTarget } from '@tessera/platform-mongo';
import type { AnyBulkWriteOperation, Collection } from 'mongodb';
import type { Model } from 'mongoose';
import {
  IDENTIFIER_MODEL,
  MERGE_MODEL,
  PROFILE_MODEL,
  type IdentifierDocument,
  type Intent,
  type MemberEntry,
  type MergeDocument,
  type ProfileDocument,
} from './graph.schema';

/** The lock on a profile was taken over (its lease ran out) before this replica wrote. */
export class LockLostError extends Error {
  constructor(profileId: string) {
    super(`lost the lock on profile ${profileId}`);
    this.name = 'LockLostError';
  }
}

/** A root's write under its lock: new members and absorbed profiles, and the intent to carry out. */
export interface IntentWrite {
  id: string;
  members: MemberEntry[];
  absorbed: string[];
  intent: Intent;
}

/**
 * The identity graph in the store: identifiers, profiles (a union-find with parent pointers) and
 * merges. Only operations by `_id`: inserts on a unique `_id`, conditional updates (atomic per
 * document on MongoDB, and on FerretDB as tools/infra builds it), `$in` reads, and bulks of those
 * (one round trip for a Kafka batch's worth).
 */
@Injectable()
export class IdentityGraphRepository {
  private readonly profiles: Collection<ProfileDocument>;
  private readonly identifiers: Collection<IdentifierDocument>;
  private readonly merges: Collection<MergeDocument>;

  constructor(
    @InjectModel(PROFILE_MODEL) profiles: Model<ProfileDocument>,
    @InjectModel(IDENTIFIER_MODEL) identifiers: Model<IdentifierDocument>,
    @InjectModel(MERGE_MODEL) merges: Model<MergeDocument>,
  ) {
    this.profiles = profiles.collection as unknown as Collection<ProfileDocument>;
    this.identifiers = identifiers.collection as unknown as Collection<IdentifierDocument>;
    this.merges = merges.collection as unknown as Collection<MergeDocument>;
  }

  async findIdentifiers(keys: string[]): Promise<Map<string, IdentifierDocument>> {
    if (keys.length === 0) return new Map();
    const found = await this.identifiers.find({ _id: { $in: keys } }).toArray();
    return new Map(found.map((doc) => [doc._id, doc]));
  }

  async findProfiles(ids: string[]): Promise<Map<string, ProfileDocument>> {
    if (ids.length === 0) return new Map();
    const found = await this.profiles.find({ _id: { $in: ids } }).toArray();
    return new Map(found.map((doc) => [doc._id, doc]));
  }

  /** Inserts new profiles; returns the ids that existed already (those were left as they are). */
  async insertProfiles(docs: ProfileDocument[]): Promise<string[]> {
    if (docs.length === 0) return [];
    const target = this.profiles as unknown as InsertTarget<ProfileDocument>;
    const existing = await insertReportingDuplicates(target, docs);
    return existing.map((index) => docs[index]._id);
  }

  /**
   * Takes the locks of those root profiles that are free or whose lease ran out, in one update;
   * which ones this owner got shows on the next read.
   */
  async lockAll(ids: string[], owner: string, now: Date, leaseMs: number): Promise<void> {
    if (ids.length === 0) return;
    await this.profiles.updateMany(
      { _id: { $in: ids }, parent: null, $or: [{ lock: null }, { 'lock.until': { $lt: now } }] },
      { $set: { lock: { owner, until: new Date(now.getTime() + leaseMs) } } },
    );
  }

  /** Takes the lock of one root profile if it is free or its lease ran out; false otherwise. */
  async lock(id: string, owner: string, now: Date, leaseMs: number): Promise<boolean> {
    const result = await this.profiles.updateOne(
      { _id: id, parent: null, $or: [{ lock: null }, { 'lock.until': { $lt: now } }] },
      { $set: { lock: { owner, until: new Date(now.getTime() + leaseMs) } } },
    );
    return result.modifiedCount === 1;
  }

  /**
   * Frees the roots this owner holds; with `finished`, also clears their intents (the last write
   * of a resolution, once every effect is done).
   */
  async release(ids: string[], owner: string, finished: boolean): Promise<void> {
    if (ids.length === 0) return;
    await this.profiles.updateMany(
      { _id: { $in: ids }, 'lock.owner': owner },
      { $set: finished ? { lock: null, pending: null } : { lock: null } },
    );
  }

  /** Write-ahead, first: marks held roots with the root a pending intent merges them into. */
  async markMerged(owner: string, marks: { id: string; into: string }[]): Promise<void> {
    await this.bulkUnderLock(
      marks.map(({ id, into }) => ({
        updateOne: {
          filter: { _id: id, parent: null, 'lock.owner': owner },
          update: { $set: { pendingInto: into } },
        },
      })),
      marks.map((mark) => mark.id),
    );
  }

  /** Write-ahead, then: each held target's new members and the intent to carry out. */
  async writeIntents(owner: string, writes: IntentWrite[]): Promise<void> {
    await this.bulkUnderLock(
      writes.map(({ id, members, absorbed, intent }) => ({
        updateOne: {
          filter: { _id: id, parent: null, 'lock.owner': owner },
          update: { $set: { members, absorbed, pending: intent } },
        },
      })),
      writes.map((write) => write.id),
    );
  }

  /** Replaces the members (and absorbed profiles, if given) of roots this owner holds. */
  async setMembers(
    owner: string,
    updates: { id: string; members: MemberEntry[]; absorbed?: string[] }[],
  ): Promise<void> {
    await this.bulkUnderLock(
      updates.map(({ id, members, absorbed }) => ({
        updateOne: {
          filter: { _id: id, parent: null, 'lock.owner': owner },
          update: { $set: absorbed ? { members, absorbed } : { members } },
        },
      })),
      updates.map((update) => update.id),
    );
  }

  /** Points held roots at the profiles they were merged into, and frees them. */
  async mergeAll(
    owner: string,
    merges: { from: string; into: string }[],
    now: Date,
  ): Promise<void> {
    await this.bulkUnderLock(
      merges.map(({ from, into }) => ({
        updateOne: {
          filter: { _id: from, parent: null, 'lock.owner': owner },
          update: { $set: { parent: into, mergedAt: now, lock: null, pendingInto: null } },
        },
      })),
      merges.map((merge) => merge.from),
    );
  }

  /** Clears the intent of a root this owner holds, once every effect of it is done. */
  async finishIntent(id: string, owner: string): Promise<void> {
    const result = await this.profiles.updateOne(
      { _id: id, parent: null, 'lock.owner': owner },
      { $set: { pending: null } },
    );
    if (result.matchedCount !== 1) throw new LockLostError(id);
  }

  /** Clears the mark of a merge whose intent was never written, on a root this owner holds. */
  async clearPendingInto(id: string, owner: string): Promise<void> {
    const result = await this.profiles.updateOne(
      { _id: id, parent: null, 'lock.owner': owner },
      { $set: { pendingInto: null } },
    );
    if (result.matchedCount !== 1) throw new LockLostError(id);
  }

  /** Links identifiers to profiles; returns those that were linked already (to any profile). */
  async linkIdentifiers(docs: IdentifierDocument[]): Promise<IdentifierDocument[]> {
    if (docs.length === 0) return [];
    const target = this.identifiers as unknown as InsertTarget<IdentifierDocument>;
    const taken = await insertReportingDuplicates(target, docs);
    return taken.map((index) => docs[index]);
  }

  /** Moves the last-seen time of linked identifiers forward (never back). */
  async touch(keys: string[], now: Date): Promise<void> {
    if (keys.length === 0) return;
    await this.identifiers.updateMany({ _id: { $in: keys } }, { $max: { lastSeen: now } });
  }

  /**
   * Records merges of roots this replica holds locked. A record already there for such a profile
   * is from an attempt that stopped before the merge was made (the profile is still a root),
   * unless it is the same event's: then it is left as it is.
   */
  async recordMerges(merges: MergeDocument[]): Promise<void> {
    if (merges.length === 0) return;
    const target = this.merges as unknown as InsertTarget<MergeDocument>;
    for (const index of await insertReportingDuplicates(target, merges)) {
      const { _id, ...rest } = merges[index];
      await this.merges.replaceOne({ _id, messageId: { $ne: rest.messageId } }, rest);
    }
  }

  /** The merge records of these profiles. */
  async mergesOf(from: string[]): Promise<MergeDocument[]> {
    if (from.length === 0) return [];
    return this.merges.find({ _id: { $in: from } }).toArray();
  }

  /**
   * Deletes a root this owner holds: the commit point of a privacy deletion (nothing can lock,
   * link to or merge into it afterwards).
   */
  async deleteRoot(id: string, owner: string): Promise<void> {
    const result = await this.profiles.deleteOne({ _id: id, parent: null, 'lock.owner': owner });
    if (result.deletedCount !== 1) throw new LockLostError(id);
  }

  /**
   * Deletes profiles; with `before`, only those written by then (one founded again since, under
   * the same id, is kept).
   */
  async deleteProfiles(ids: string[], before: Date | null): Promise<void> {
    if (ids.length === 0) return;
    await this.profiles.deleteMany(
      before
        ? {
            _id: { $in: ids },
            $or: [{ createdAt: { $lte: before } }, { createdAt: { $exists: false } }],
          }
        : { _id: { $in: ids } },
    );
  }

  /** Deletes the merge records of these profiles; with `before`, those written by then. */
  async deleteMerges(ids: string[], before: Date | null): Promise<void> {
    if (ids.length === 0) return;
    await this.merges.deleteMany(
      before ? { _id: { $in: ids }, at: { $lte: before } } : { _id: { $in: ids } },
    );
  }

  /** Deletes identifier links by key. */
  async unlink(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.identifiers.deleteMany({ _id: { $in: keys } });
  }

  /**
   * Deletes every link to these profiles (with `before`, made by then), whatever its key: a scan
   * (not by `_id`), run once per privacy deletion.
   */
  async unlinkProfiles(ids: string[], before: Date | null): Promise<void> {
    if (ids.length === 0) return;
    await this.identifiers.deleteMany(
      before ? { profile: { $in: ids }, linkedAt: { $lte: before } } : { profile: { $in: ids } },
    );
  }

  /** Deletes links that still name the profile given (one a deletion removed). */
  async unlinkDangling(links: { key: string; profile: string }[]): Promise<void> {
    if (links.length === 0) return;
    await this.identifiers.bulkWrite(
      links.map(({ key, profile }) => ({
        deleteOne: { filter: { _id: key, profile } },
      })),
      { ordered: false },
    );
  }

  /**
   * Removes identifiers from the merge records of other profiles that name them (a link another
   * replica won while the merge was made): a scan (not by `_id`), run once per privacy deletion.
   */
  async scrubMerges(identifiers: { type: string; value: string }[]): Promise<void> {
    if (identifiers.length === 0) return;
    const keys = new Set(identifiers.map(identifierKey));
    const found = await this.merges
      .find({ 'identifiers.value': { $in: [...new Set(identifiers.map((i) => i.value))] } })
      .toArray();
    for (const merge of found) {
      const kept = merge.identifiers.filter((identifier) => !keys.has(identifierKey(identifier)));
      if (kept.length === merge.identifiers.length) continue;
      await this.merges.updateOne({ _id: merge._id }, { $set: { identifiers: kept } });
    }
  }

  /** One round trip of updates, each of which must find its document under this owner's lock. */
  private async bulkUnderLock(
    operations: AnyBulkWriteOperation<ProfileDocument>[],
    ids: string[],
  ): Promise<void> {
    if (operations.length === 0) return;
    const result = await this.profiles.bulkWrite(operations, { ordered: true });
    if (result.matchedCount !== operations.length) throw new LockLostError(ids.join(', '));
  }
}
