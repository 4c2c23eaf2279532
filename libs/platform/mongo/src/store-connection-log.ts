import { Logger } from '@nestjs/common';
import type {
  MongoClient,
  ServerDescriptionChangedEvent,
  ServerHeartbeatFailedEvent,
} from 'mongodb';

/** How often a run of failing heartbeats is logged again while it lasts. */
export const HEARTBEAT_FAILURE_LOG_EVERY_MS = 30_000;

/**
 * Logs what the store driver's monitor sees of the store: the server changing type (a store
 * that went away shows as `Unknown`, with the error), heartbeats failing (once, then every 30 s
 * while they go on) and succeeding again. Operations only say that no server could be selected;
 * this says why, and whether this replica's monitor still tries.
 */
export class StoreConnectionLog {
  private readonly logger = new Logger('StoreConnection');
  private failingSince: number | null = null;
  private lastLogged = 0;

  constructor(private readonly now: () => number = Date.now) {}

  watch(client: Pick<MongoClient, 'on'>): void {
    client.on('serverDescriptionChanged', (event) => this.described(event));
    client.on('serverHeartbeatFailed', (event) => this.failed(event));
    client.on('serverHeartbeatSucceeded', () => this.succeeded());
  }

  private described(event: ServerDescriptionChangedEvent): void {
    const before = event.previousDescription.type;
    const after = event.newDescription.type;
    if (before === after) return;
    const error = event.newDescription.error?.message;
    this.logger.warn(`store ${event.address}: ${before} -> ${after}${error ? ` (${error})` : ''}`);
  }

  private failed(event: ServerHeartbeatFailedEvent): void {
    const now = this.now();
    this.failingSince ??= now;
    if (now - this.lastLogged < HEARTBEAT_FAILURE_LOG_EVERY_MS) return;
    this.lastLogged = now;
    this.logger.warn(
      `store ${event.connectionId}: heartbeats failing for ${Math.round((now - this.failingSince) / 1000)} s: ${event.failure.message}`,
    );
  }

  private succeeded(): void {
    if (this.failingSince === null) return;
    this.logger.log(
      `store heartbeats succeed again after ${Math.round((this.now() - this.failingSince) / 1000)} s`,
    );
    this.failingSince = null;
    this.lastLogged = 0;
  }
}
