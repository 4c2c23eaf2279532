import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { InsertBatcher, insertReportingDuplicates } from '@tessera/platform-mongo';
import type { AnyBulkWriteOperation, Collection } from 'mongodb';
import type { Model } from 'mongoose';
import {
  ATTEMPT_MODEL,
  LANE_MODEL,
  MESSAGE_MODEL,
  type AttemptDocument,
  type LaneDocument,
  type MessageDocument,
} from './activation-store.schema';
import { SettleBatcher, type MessageUpdate } from './settle-batcher';

/** A lane's id: one subscription, one profile (subscription ids hold no `|`). */
export function laneIdOf(subscriptionId: string, profileId: string): string {
  return `${subscriptionId}|${profileId}`;
}

export function subscriptionOfLane(laneId: string): string {
  return laneId.slice(0, laneId.indexOf('|'));
}

/** A lane this replica created, and so holds, while enqueueing: delivered without a claim or a read. */
export interface CreatedLane {
  lane: LaneDocument;
  messages: MessageDocument[];
}

export interface Enqueued {
  /** Every lane a message was appended to. */
  lanes: string[];
  /** Those of them the enqueue created, held by its claimant. */
  created: CreatedLane[];
}

/** What was removed of deleted profiles: their messages by the status they had, and log entries. */
export interface ErasedDeliveries {
  pendingMessages: number;
  failedMessages: number;
  deliveredMessages: number;
  logEntries: number;
}

const MESSAGE_COUNTS = {
  pending: 'pendingMessages',
  failed: 'failedMessages',
  delivered: 'deliveredMessages',
} as const satisfies Record<MessageDocument['status'], keyof ErasedDeliveries>;

export interface Page<T> {
  items: T[];
  next: string | null;
}

/**
 * The webhook outbox: messages, the per-profile lanes that order them, and the delivery log.
 * Every write is a single-document update, an unordered insert or a `$in` read.
 */
@Injectable()
export class DeliveryRepository {
  private readonly messages: Collection<MessageDocument>;
  private readonly lanes: Collection<LaneDocument>;
  private readonly attempts: Collection<AttemptDocument>;
  private readonly attemptLog: InsertBatcher<AttemptDocument>;
  private readonly settles: SettleBatcher;

  constructor(
    @InjectModel(MESSAGE_MODEL) messages: Model<MessageDocument>,
    @InjectModel(LANE_MODEL) lanes: Model<LaneDocument>,
    @InjectModel(ATTEMPT_MODEL) attempts: Model<AttemptDocument>,
  ) {
    this.messages = messages.collection as unknown as Collection<MessageDocument>;
    this.lanes = lanes.collection as unknown as Collection<LaneDocument>;
    this.attempts = attempts.collection as unknown as Collection<AttemptDocument>;
    this.attemptLog = new InsertBatcher(this.attempts);
    this.settles = new SettleBatcher(this.messages);
  }

  /**
   * Stores new messages and appends the pending ones to their lanes, in the given order. A
   * message stored before (a redelivered record) is appended again only while still pending: a
   * lane may then list it twice, and the dispatcher skips a settled one. With a `claim`, the
   * lanes this creates are held by its owner from the start.
   */
  async enqueue(
    messages: MessageDocument[],
    firstAttemptAt: number,
    claim: { owner: string; leaseUntil: number } | null = null,
  ): Promise<Enqueued> {
    if (messages.length === 0) return { lanes: [], created: [] };
    const duplicates = new Set(await insertReportingDuplicates(this.messages, messages));
    const stillPending = await this.pendingIds(
      messages.filter((_, index) => duplicates.has(index)).map((message) => message._id),
    );
    const queued = messages.filter(
      (message, index) => !duplicates.has(index) || stillPending.has(message._id),
    );
    return this.appendToLanes(queued, firstAttemptAt, claim);
  }

  /** Takes a lane that is due and free; null when it is not (held, waiting, paused or gone). */
  claim(laneId: string, owner: string, now: number, leaseMs: number): Promise<LaneDocument | null> {
    return this.lanes.findOneAndUpdate(
      { _id: laneId, leaseUntil: { $lte: now }, nextAttemptAt: { $ne: null, $lte: now } },
      { $set: { leaseOwner: owner, leaseUntil: now + leaseMs } },
      { returnDocument: 'after' },
    );
  }

  /** Takes a settled message off the head of a lane and renews the lease; null if it was lost. */
  pop(
    laneId: string,
    owner: string,
    messageId: string,
    leaseUntil: number,
  ): Promise<LaneDocument | null> {
    return this.lanes.findOneAndUpdate(
      { _id: laneId, leaseOwner: owner },
      { $pull: { queue: messageId }, $set: { leaseUntil } },
      { returnDocument: 'after' },
    );
  }

  /** The lane as it is now, its lease renewed; null if the lease was lost. */
  renew(laneId: string, owner: string, leaseUntil: number): Promise<LaneDocument | null> {
    return this.lanes.findOneAndUpdate(
      { _id: laneId, leaseOwner: owner },
      { $set: { leaseUntil } },
      { returnDocument: 'after' },
    );
  }

  /** Lets go of a lane; it is due again at `nextAttemptAt` (null: not until it is woken). */
  async release(laneId: string, owner: string, nextAttemptAt: number | null): Promise<void> {
    await this.lanes.updateOne(
      { _id: laneId, leaseOwner: owner },
      { $set: { leaseOwner: null, leaseUntil: 0, nextAttemptAt } },
    );
  }

  /** Removes a lane that has nothing left; false when a message arrived meanwhile. */
  async removeIfEmpty(laneId: string, owner: string): Promise<boolean> {
    const result = await this.lanes.deleteOne({
      _id: laneId,
      leaseOwner: owner,
      queue: { $size: 0 },
    });
    return result.deletedCount === 1;
  }

  /** Removes a held lane whose queue is just this message; false when more arrived meanwhile. */
  async removeIfOnly(laneId: string, owner: string, messageId: string): Promise<boolean> {
    const result = await this.lanes.deleteOne({
      _id: laneId,
      leaseOwner: owner,
      queue: [messageId],
    });
    return result.deletedCount === 1;
  }

  /** Lanes whose head is due and that no replica holds, the longest due first; `skip`: subscriptions left out. */
  async dueLanes(now: number, limit: number, skip: string[] = []): Promise<string[]> {
    const lanes = await this.lanes
      .find({
        nextAttemptAt: { $ne: null, $lte: now },
        leaseUntil: { $lte: now },
        ...(skip.length > 0 ? { subscriptionId: { $nin: skip } } : {}),
      })
      .project<{ _id: string }>({ _id: 1 })
      .sort({ nextAttemptAt: 1 })
      .limit(limit)
      .toArray();
    return lanes.map((lane) => lane._id);
  }

  /** Makes one parked lane due now. */
  async wakeLane(laneId: string, now: number): Promise<void> {
    await this.lanes.updateOne(
      { _id: laneId, nextAttemptAt: null },
      { $set: { nextAttemptAt: now } },
    );
  }

  /** Makes every waiting lane of a subscription due now (it was resumed or re-enabled). */
  async wake(subscriptionId: string, now: number): Promise<void> {
    await this.lanes.updateMany(
      { subscriptionId, nextAttemptAt: null },
      { $set: { nextAttemptAt: now } },
    );
  }

  message(id: string): Promise<MessageDocument | null> {
    return this.messages.findOne({ _id: id });
  }

  /**
   * Records how a message ended an attempt (written in groups with other lanes' settles); false
   * when the message is gone (a privacy request deleted it meanwhile), which is not recreated.
   */
  settle(id: string, update: MessageUpdate): Promise<boolean> {
    return this.settles.settle(id, update);
  }

  async logAttempt(attempt: AttemptDocument): Promise<void> {
    await this.attemptLog.insert([attempt]);
  }

  /** Takes back a logged attempt of a message deleted while it was made. */
  async removeAttempt(id: string): Promise<void> {
    await this.attempts.deleteOne({ _id: id });
  }

  /**
   * The delivery log of a subscription, newest first (ties by id); `before` is the `next` of the
   * previous page, `<at>:<id>` of its last entry.
   */
  async attemptsOf(
    subscriptionId: string,
    limit: number,
    before: { at: number; id: string } | null,
    messageId: string | null,
  ): Promise<Page<AttemptDocument>> {
    const items = await this.attempts
      .find({
        subscriptionId,
        ...(messageId ? { messageId } : {}),
        ...(before
          ? { $or: [{ at: { $lt: before.at } }, { at: before.at, _id: { $gt: before.id } }] }
          : {}),
      })
      .sort({ at: -1, _id: 1 })
      .limit(limit)
      .toArray();
    const last = items[items.length - 1];
    return { items, next: items.length === limit ? `${last.at}:${last._id}` : null };
  }

  /** The failed (dead-lettered) messages of a subscription, by id; `after` pages on. */
  async failedOf(
    subscriptionId: string,
    limit: number,
    after: string | null,
  ): Promise<Page<MessageDocument>> {
    const items = await this.messages
      .find({ subscriptionId, status: 'failed', ...(after ? { _id: { $gt: after } } : {}) })
      .sort({ _id: 1 })
      .limit(limit)
      .toArray();
    return { items, next: items.length === limit ? items[items.length - 1]._id : null };
  }

  /**
   * Puts failed messages back on their lanes with a fresh schedule (at the end of each lane:
   * a replayed message follows what is pending). Returns how many went back.
   */
  async replay(subscriptionId: string, ids: string[] | null, now: number): Promise<number> {
    const failed = await this.messages
      .find({ subscriptionId, status: 'failed', ...(ids ? { _id: { $in: ids } } : {}) })
      .sort({ createdAt: 1, _id: 1 })
      .limit(1_000)
      .toArray();
    if (failed.length === 0) return 0;
    await this.messages.updateMany(
      { _id: { $in: failed.map((message) => message._id) }, status: 'failed' },
      {
        $set: {
          status: 'pending',
          attempts: 0,
          nextAttemptAt: now,
          settledAt: null,
          lastError: null,
          lastStatusCode: null,
        },
      },
    );
    await this.appendToLanes(failed, now, null);
    return failed.length;
  }

  /** Removes delivered messages settled, and delivery-log entries made, before `cutoff`. */
  async removeSettledBefore(cutoff: number): Promise<{ messages: number; attempts: number }> {
    const messages = await this.messages.deleteMany({
      status: 'delivered',
      settledAt: { $lt: cutoff },
    });
    const attempts = await this.attempts.deleteMany({ at: { $lt: cutoff } });
    return { messages: messages.deletedCount, attempts: attempts.deletedCount };
  }

  /** Forgets a deleted subscription's lanes, messages and log. */
  async removeSubscription(subscriptionId: string): Promise<void> {
    await this.lanes.deleteMany({ subscriptionId });
    await this.messages.deleteMany({ subscriptionId });
    await this.attempts.deleteMany({ subscriptionId });
  }

  /**
   * Removes every message of these profiles but their `profile.deleted` notices (which carry no
   * profile data and must still go out), in any status, with their log entries; what was removed,
   * by profile. The messages are taken off their lanes first, also off lanes a replica holds: a
   * holder reads its lane back at each write, skips a head whose message is gone, and removes the
   * lane once empty. Free lanes left empty are removed here. Safe to repeat: what an attempt or a
   * routed batch in flight writes meanwhile is removed by the next pass.
   */
  async eraseProfiles(profileIds: string[], now: number): Promise<Map<string, ErasedDeliveries>> {
    const ofProfiles = { profileId: { $in: profileIds } };
    const erasable = { ...ofProfiles, type: { $ne: 'profile.deleted' as const } };
    const doomed = await this.messages
      .find(erasable)
      .project<Pick<MessageDocument, '_id' | 'profileId' | 'status'>>({
        _id: 1,
        profileId: 1,
        status: 1,
      })
      .toArray();
    const messageIds = doomed.map((message) => message._id);
    if (messageIds.length > 0) {
      // $pullAll: FerretDB ignores a $pull with a condition ({ $in }).
      await this.lanes.updateMany(ofProfiles, { $pullAll: { queue: messageIds } });
      await this.messages.deleteMany({ _id: { $in: messageIds } });
    }
    const entries = await this.attempts
      .find(erasable)
      .project<Pick<AttemptDocument, '_id' | 'profileId'>>({ _id: 1, profileId: 1 })
      .toArray();
    if (entries.length > 0)
      await this.attempts.deleteMany({ _id: { $in: entries.map((entry) => entry._id) } });
    await this.lanes.deleteMany({ ...ofProfiles, queue: { $size: 0 }, leaseUntil: { $lte: now } });

    const removed = new Map<string, ErasedDeliveries>(
      profileIds.map((profileId) => [
        profileId,
        { pendingMessages: 0, failedMessages: 0, deliveredMessages: 0, logEntries: 0 },
      ]),
    );
    for (const message of doomed) {
      const counts = removed.get(message.profileId);
      if (counts) counts[MESSAGE_COUNTS[message.status]] += 1;
    }
    for (const entry of entries) {
      const counts = removed.get(entry.profileId);
      if (counts) counts.logEntries += 1;
    }
    return removed;
  }

  async removeLane(laneId: string): Promise<void> {
    await this.lanes.deleteOne({ _id: laneId });
  }

  private async pendingIds(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const pending = await this.messages
      .find({ _id: { $in: ids }, status: 'pending' })
      .project<{ _id: string }>({ _id: 1 })
      .toArray();
    return new Set(pending.map((message) => message._id));
  }

  private async appendToLanes(
    messages: MessageDocument[],
    firstAttemptAt: number,
    claim: { owner: string; leaseUntil: number } | null,
  ): Promise<Enqueued> {
    const byLane = new Map<string, MessageDocument[]>();
    for (const message of messages) {
      const laneId = laneIdOf(message.subscriptionId, message.profileId);
      const queued = byLane.get(laneId) ?? [];
      queued.push(message);
      byLane.set(laneId, queued);
    }
    if (byLane.size === 0) return { lanes: [], created: [] };
    const inserted = (laneId: string, queued: MessageDocument[]): LaneDocument => ({
      _id: laneId,
      subscriptionId: queued[0].subscriptionId,
      profileId: queued[0].profileId,
      queue: queued.map((message) => message._id),
      nextAttemptAt: firstAttemptAt,
      leaseOwner: claim?.owner ?? null,
      leaseUntil: claim?.leaseUntil ?? 0,
    });
    const operations: AnyBulkWriteOperation<LaneDocument>[] = [...byLane].map(
      ([laneId, queued]) => {
        const { _id, queue, ...onInsert } = inserted(laneId, queued);
        return {
          updateOne: {
            filter: { _id },
            update: { $push: { queue: { $each: queue } }, $setOnInsert: onInsert },
            upsert: true,
          },
        };
      },
    );
    const result = await this.lanes.bulkWrite(operations, { ordered: false });
    // By id, not index: FerretDB numbers upserts among themselves, not among the operations.
    const createdIds = new Set(Object.values(result.upsertedIds).map(String));
    const created = claim
      ? [...byLane]
          .filter(([laneId]) => createdIds.has(laneId))
          .map(([laneId, queued]) => ({ lane: inserted(laneId, queued), messages: queued }))
      : [];
    return { lanes: [...byLane.keys()], created };
  }
}
