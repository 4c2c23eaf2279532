import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { randomUUID } from 'node:crypto';

/** How often a replica says it is alive, and how long it counts as alive after that. */
export const HEARTBEAT_MS = 5_000;
export const ALIVE_FOR_MS = 3 * HEARTBEAT_MS;

interface ReplicaEntry {
  _id: string;
  at: Date;
}

/**
 * The replicas of the service alive now, from a heartbeat each writes to the store (collection
 * `replicas`, one entry per replica by `_id`). Shares that must hold for the service as a whole,
 * such as a source's rate limit, are divided by this count. While the store does not answer, the
 * last count stands; a replica that stops removes its entry, one that crashes ages out.
 */
@Injectable()
export class ReplicaRegistry implements OnModuleInit, OnApplicationShutdown {
  readonly id = randomUUID();
  private readonly logger = new Logger(ReplicaRegistry.name);
  private alive = 1;
  private timer: NodeJS.Timeout | undefined;

  constructor(@InjectConnection() private readonly connection: Connection) {}

  /** Replicas alive at the last heartbeat, this one included (at least 1). */
  count(): number {
    return this.alive;
  }

  async onModuleInit(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beat(), HEARTBEAT_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.entries()
      .deleteOne({ _id: this.id })
      .catch(() => undefined);
  }

  /** Writes this replica's heartbeat and counts the replicas whose heartbeat is recent. */
  async beat(now = new Date()): Promise<void> {
    try {
      await this.entries().replaceOne({ _id: this.id }, { at: now }, { upsert: true });
      const since = now.getTime() - ALIVE_FOR_MS;
      const entries = await this.entries().find({}).toArray();
      this.alive = Math.max(1, entries.filter((entry) => entry.at.getTime() > since).length);
    } catch (error) {
      this.logger.warn(
        `replica heartbeat failed; keeping the count of ${this.alive}: ${String(error)}`,
      );
    }
  }

  private entries() {
    return this.connection.collection<ReplicaEntry>('replicas');
  }
}
