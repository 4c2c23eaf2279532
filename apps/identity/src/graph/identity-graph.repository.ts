import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { insertReportingDuplicates, type InsertTarget } from '@tessera/platform-mongo';
import type { Collection } from 'mongodb';
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

/** Parent hops followed at most to find a root (merges point to smaller ids, so chains end). */
const MAX_HOPS = 64;

/**
 * The identity graph in the store: identifiers, profiles (a union-find with parent pointers) and
 * merges. Only single-document operations by `_id`: inserts on a unique `_id`, conditional
 * updates (atomic on MongoDB, and on FerretDB as tools/infra builds it) and `$in` reads.
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

  /** The live (root) profile of each given profile id; ids with no profile document map to themselves. */
  async rootsOf(ids: string[]): Promise<Map<string, string>> {
    return (await this.chainsOf(ids)).roots;
  }

  /** Roots as rootsOf, and every profile id passed on the way (the given ones included). */
  async chainsOf(ids: string[]): Promise<{ roots: Map<string, string>; visited: Set<string> }> {
    const roots = new Map<string, string>();
    const visited = new Set(ids);
    const at = new Map(ids.map((id) => [id, id]));
    for (let hop = 0; hop < MAX_HOPS && at.size > 0; hop++) {
      const docs = await this.findProfiles([...new Set(at.values())]);
      for (const [start, current] of [...at]) {
        const parent = docs.get(current)?.parent;
        if (parent) {
          at.set(start, parent);
          visited.add(parent);
        } else {
          roots.set(start, current);
          at.delete(start);
        }
      }
    }
    if (at.size > 0)
      throw new Error(`profile chain longer than ${MAX_HOPS} from ${[...at.keys()][0]}`);
    return { roots, visited };
  }

  /** Creates an empty profile (nothing happens if it exists). */
  async createProfile(id: string, now: Date): Promise<void> {
    await insertReportingDuplicates(this.profiles as unknown as InsertTarget<ProfileDocument>, [
      { _id: id, parent: null, members: [], absorbed: [], lock: null, createdAt: now },
    ]);
  }

  /** Takes the lock of a root profile if it is free or its lease ran out; false otherwise. */
  async lock(id: string, owner: string, now: Date, leaseMs: number): Promise<boolean> {
    const result = await this.profiles.updateOne(
      { _id: id, parent: null, $or: [{ lock: null }, { 'lock.until': { $lt: now } }] },
      { $set: { lock: { owner, until: new Date(now.getTime() + leaseMs) } } },
    );
    return result.modifiedCount === 1;
  }

  async unlock(id: string, owner: string): Promise<void> {
    await this.profiles.updateOne({ _id: id, 'lock.owner': owner }, { $set: { lock: null } });
  }

  /** Replaces the members (and the profiles absorbed) of a root this replica holds locked. */
  async setMembers(
    id: string,
    owner: string,
    members: MemberEntry[],
    absorbed: string[],
  ): Promise<void> {
    const result = await this.profiles.updateOne(
      { _id: id, parent: null, 'lock.owner': owner },
      { $set: { members, absorbed } },
    );
    if (result.matchedCount !== 1) throw new LockLostError(id);
  }

  /** Points a locked root at the profile it is merged into, and frees it. */
  async mergeInto(from: string, into: string, owner: string, now: Date): Promise<void> {
    const result = await this.profiles.updateOne(
      { _id: from, parent: null, 'lock.owner': owner },
      { $set: { parent: into, mergedAt: now, lock: null, pendingInto: null } },
    );
    if (result.matchedCount !== 1) throw new LockLostError(from);
  }

  /** Writes a resolution's intent on its locked target, and marks the locked roots it merges. */
  async writeIntent(target: string, owner: string, intent: Intent): Promise<void> {
    for (const from of intent.merged) {
      const marked = await this.profiles.updateOne(
        { _id: from, parent: null, 'lock.owner': owner },
        { $set: { pendingInto: target } },
      );
      if (marked.matchedCount !== 1) throw new LockLostError(from);
    }
    const result = await this.profiles.updateOne(
      { _id: target, parent: null, 'lock.owner': owner },
      { $set: { pending: intent } },
    );
    if (result.matchedCount !== 1) throw new LockLostError(target);
  }

  /** Clears the mark of a merge whose intent was never written, on a root this owner holds. */
  async clearPendingInto(id: string, owner: string): Promise<void> {
    const result = await this.profiles.updateOne(
      { _id: id, parent: null, 'lock.owner': owner },
      { $set: { pendingInto: null } },
    );
    if (result.matchedCount !== 1) throw new LockLostError(id);
  }

  /** The last write of a resolution: the target's members, and its intent cleared. */
  async finishIntent(
    target: string,
    owner: string,
    members: MemberEntry[],
    absorbed: string[],
  ): Promise<void> {
    const result = await this.profiles.updateOne(
      { _id: target, parent: null, 'lock.owner': owner },
      { $set: { members, absorbed, pending: null } },
    );
    if (result.matchedCount !== 1) throw new LockLostError(target);
  }

  /** Links identifiers to a profile; returns those another profile holds already. */
  async linkIdentifiers(docs: IdentifierDocument[]): Promise<IdentifierDocument[]> {
    if (docs.length === 0) return [];
    const target = this.identifiers as unknown as InsertTarget<IdentifierDocument>;
    const taken = await insertReportingDuplicates(target, docs);
    return taken.map((index) => docs[index]);
  }

  /**
   * Records the merge of a root this replica holds locked. A record already there for that
   * profile is from an attempt that stopped before the merge was made (the profile is still a
   * root), unless it is this event's own: then it is left as it is.
   */
  async recordMerge(merge: MergeDocument): Promise<void> {
    const target = this.merges as unknown as InsertTarget<MergeDocument>;
    if ((await insertReportingDuplicates(target, [merge])).length === 0) return;
    const { _id, ...rest } = merge;
    await this.merges.replaceOne({ _id, messageId: { $ne: merge.messageId } }, rest);
  }

  /** The merge records of these profiles. */
  async mergesOf(from: string[]): Promise<MergeDocument[]> {
    if (from.length === 0) return [];
    return this.merges.find({ _id: { $in: from } }).toArray();
  }

  /** The merges of these profiles that the given event caused. */
  async mergesCausedBy(messageId: string, from: string[]): Promise<MergeDocument[]> {
    if (from.length === 0) return [];
    return this.merges.find({ _id: { $in: from }, messageId }).toArray();
  }
}
