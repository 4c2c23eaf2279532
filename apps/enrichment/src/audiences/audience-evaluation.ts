import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { dayOf } from '@tessera/profile';
import { randomUUID } from 'node:crypto';
import { ENRICHMENT_CONFIG } from '../config/enrichment-config.token';
import type { EnrichmentConfig } from '../config/enrichment.config';
import { MAX_ATTEMPTS } from '../profiles/profile-graph';
import { ProfilePublisher } from '../profiles/profile-publisher';
import { ProfileStoreRepository } from '../profiles/profile-store.repository';
import type { ProfileDocument } from '../profiles/profile-store.schema';
import { stateOf } from '../profiles/stored-profile';
import { AudienceDefinitions } from './audience-definitions';
import { AudienceRepository } from './audience.repository';

const PAGE = 200;
const LEASE_MS = 60_000;

/**
 * Re-evaluates every live profile against the audiences when that can change memberships without
 * a new event: after an audience was created, changed or deleted (a backfill), and once a UTC day
 * for audiences that depend on time (event windows and days since last seen change at midnight).
 * One replica at a time runs it, under a lease in the store; another takes over a lease that ran
 * out, so a replica stopped mid-way delays the evaluation but never loses it.
 */
@Injectable()
export class AudienceEvaluation implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(AudienceEvaluation.name);
  private readonly owner = randomUUID();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly repository: AudienceRepository,
    private readonly definitions: AudienceDefinitions,
    private readonly store: ProfileStoreRepository,
    private readonly publisher: ProfilePublisher,
    @Inject(ENRICHMENT_CONFIG) private readonly config: EnrichmentConfig,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => {
      this.running = this.runIfDue().catch((error: unknown) =>
        this.logger.warn(`audience evaluation failed; will retry: ${String(error)}`),
      );
    }, this.config.audiences.evaluationCheckMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Runs the evaluation when it is due and no other replica holds it; true when it ran. */
  async runIfDue(now = Date.now()): Promise<boolean> {
    const state = await this.repository.evaluationState();
    const today = dayOf(now);
    const changed = state.evaluatedRevision < state.revision;
    const newDay =
      state.evaluatedDay < today && this.definitions.current().some((a) => a.dependsOnTime);
    // Every replica has read the changed definitions before the walk over the profiles starts.
    const settled = now >= state.changedAt + 2 * this.config.audiences.refreshMs;
    if (!(changed || newDay) || !settled) return false;
    if (!(await this.repository.claim(this.owner, now, LEASE_MS))) return false;
    await this.definitions.refresh();
    await this.evaluateAll(now, changed ? 'definition' : 'condition');
    await this.repository.complete(this.owner, state.revision, today);
    return true;
  }

  /** Re-evaluates every live profile at `now`; returns how many changed membership. */
  async evaluateAll(now: number, reason: string): Promise<number> {
    let changedProfiles = 0;
    for (let after = ''; ;) {
      const page = await this.store.livePage(after, PAGE);
      if (page.length === 0) return changedProfiles;
      changedProfiles += await this.evaluatePage(page, now, reason);
      after = page[page.length - 1]._id;
      await this.repository.renew(this.owner, Date.now(), LEASE_MS);
    }
  }

  private async evaluatePage(
    page: ProfileDocument[],
    now: number,
    reason: string,
  ): Promise<number> {
    let docs = page;
    let changedProfiles = 0;
    for (let attempt = 0; docs.length > 0 && attempt < MAX_ATTEMPTS; attempt++) {
      const writes = docs.flatMap((doc) => {
        const membership = this.definitions.membership(stateOf(doc), now, doc.audiences, reason);
        if (membership.changes.length === 0) return [];
        const updated: ProfileDocument = {
          ...doc,
          version: doc.version + 1,
          changed: ['audiences'],
          audiences: membership.audiences,
          audienceChanges: membership.changes,
          updatedAt: Date.now(),
        };
        return [{ doc: updated, expectedVersion: doc.version }];
      });
      const lost = await this.store.writeProfiles(writes);
      const written = writes.filter((write) => !lost.has(write.doc._id)).map((write) => write.doc);
      changedProfiles += written.length;
      await this.publisher.publish(written);
      // A profile written meanwhile was evaluated by its writer with the same definitions; read
      // it again anyway, the time-based answer may differ.
      docs = [...(await this.store.findProfiles(lost)).values()].filter(
        (doc) => doc.mergedInto === null && doc.mergingInto === null,
      );
    }
    return changedProfiles;
  }
}
