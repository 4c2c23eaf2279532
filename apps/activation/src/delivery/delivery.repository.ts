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

/** A lane's id: one subscription, one profile (subscription ids hold no `|`). */
export function laneIdOf(subscriptionId: string, profileId: string): string {
  return `${subscriptionId}|${profileId}`;
}

export function subscriptionOfLane(laneId: string): string {
  return laneId.slice(0, laneId.indexOf('|'));
}

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

  constructor(
    @InjectModel(MESSAGE_MODEL) messages: Model<MessageDocument>,
    @InjectModel(LANE_MODEL) lanes: Model<LaneDocument>,
    @InjectModel(ATTEMPT_MODEL) attempts: Model<AttemptDocument>,
  ) {
    this.messages = messages.collection as unknown as Collection<MessageDocument>;
    this.lanes = lanes.collection as unknown as Collection<LaneDocument>;
    this.attempts = attempts.collection as unknown as Collection<AttemptDocument>;
    this.attemptLog = new InsertBatcher(this.attempts);
  }

  /**
   * Stores new messages and appends the pending ones to their lanes, in the given order; returns
   * the lanes touched. A message stored before (a redelivered record) is appended again only
   * while still pending: a lane may then list it twice, and the dispatcher skips a settled one.
   */
  async enqueue(messages: MessageDocument[], firstAttemptAt: number): Promise<string[]> {
    if (messages.length === 0) return [];
    const duplicates = new Set(await insertReportingDuplicates(this.messages, messages));
    const stillPending = await this.pendingIds(
      messages.filter((_, index) => duplicates.has(index)).map((message) => message._id),
    );
    const queued = messages.filter(
      (message, index) => !duplicates.has(index) || stillPending.has(message._id),
    );
    return this.appendToLanes(queued, firstAttemptAt);
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

  async settle(id: string, update: Partial<MessageDocument>): Promise<void> {
    await this.messages.updateOne({ _id: id }, { $set: update });
  }

  async logAttempt(attempt: AttemptDocument): Promise<void> {
    await this.attemptLog.insert([attempt]);
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
    await this.appendToLanes(failed, now);
    return failed.length;
  }

  /** Forgets a deleted subscription's lanes, messages and log. */
  async removeSubscription(subscriptionId: string): Promise<void> {
    await this.lanes.deleteMany({ subscriptionId });
    await this.messages.deleteMany({ subscriptionId });
    await this.attempts.deleteMany({ subscriptionId });
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
    messages: Pick<MessageDocument, '_id' | 'subscriptionId' | 'profileId'>[],
    firstAttemptAt: number,
  ): Promise<string[]> {
    const byLane = new Map<string, { subscriptionId: string; profileId: string; ids: string[] }>();
    for (const message of messages) {
      const laneId = laneIdOf(message.subscriptionId, message.profileId);
      const lane = byLane.get(laneId) ?? {
        subscriptionId: message.subscriptionId,
        profileId: message.profileId,
        ids: [],
      };
      lane.ids.push(message._id);
      byLane.set(laneId, lane);
    }
    if (byLane.size === 0) return [];
    const operations: AnyBulkWriteOperation<LaneDocument>[] = [...byLane].map(([laneId, lane]) => ({
      updateOne: {
        filter: { _id: laneId },
        update: {
          $push: { queue: { $each: lane.ids } },
          $setOnInsert: {
            subscriptionId: lane.subscriptionId,
            profileId: lane.profileId,
            nextAttemptAt: firstAttemptAt,
            leaseOwner: null,
            leaseUntil: 0,
          },
        },
        upsert: true,
      },
    }));
    await this.lanes.bulkWrite(operations, { ordered: false });
    return [...byLane.keys()];
  }
}
