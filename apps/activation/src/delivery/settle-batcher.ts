import type { Collection } from 'mongodb';
import type { MessageDocument } from './activation-store.schema';

/** How a message ends up after an attempt (its `settledAt` is set when written, if it settled). */
export type MessageUpdate = Pick<
  MessageDocument,
  'status' | 'attempts' | 'nextAttemptAt' | 'lastStatusCode' | 'lastError'
>;

interface Pending {
  id: string;
  update: MessageUpdate;
  /** With whether the message was there (a privacy request may have deleted it). */
  resolve: (found: boolean) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit of message updates: those that arrive while a write is in flight are written
 * together, one `updateMany` per distinct update (most deliveries end alike: delivered on the
 * first attempt with a 2xx), so many lanes' settles cost one round trip. Each caller resolves
 * only once its own update is written, with whether its message was still there; an update never
 * creates a message.
 */
export class SettleBatcher {
  private queue: Pending[] = [];
  private writing = false;

  constructor(private readonly messages: Collection<MessageDocument>) {}

  settle(id: string, update: MessageUpdate): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.queue.push({ id, update, resolve, reject });
      this.drain();
    });
  }

  private drain(): void {
    if (this.writing || this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.writing = true;
    void this.write(batch).finally(() => {
      this.writing = false;
      this.drain();
    });
  }

  private async write(batch: Pending[]): Promise<void> {
    const groups = new Map<string, Pending[]>();
    for (const entry of batch) {
      const key = JSON.stringify(entry.update);
      const group = groups.get(key) ?? [];
      group.push(entry);
      groups.set(key, group);
    }
    const settledAt = Date.now();
    await Promise.all(
      [...groups.values()].map(async (entries) => {
        const { update } = entries[0];
        const ids = entries.map((entry) => entry.id);
        try {
          const result = await this.messages.updateMany(
            { _id: { $in: ids } },
            { $set: { ...update, settledAt: update.status === 'pending' ? null : settledAt } },
          );
          // Rarely short: only then is it read which of them are gone.
          const found = result.matchedCount === ids.length ? null : await this.existing(ids);
          for (const entry of entries) entry.resolve(found?.has(entry.id) ?? true);
        } catch (error) {
          for (const entry of entries) entry.reject(error);
        }
      }),
    );
  }

  private async existing(ids: string[]): Promise<Set<string>> {
    const found = await this.messages
      .find({ _id: { $in: ids } })
      .project<{ _id: string }>({ _id: 1 })
      .toArray();
    return new Set(found.map((message) => message._id));
  }
}
