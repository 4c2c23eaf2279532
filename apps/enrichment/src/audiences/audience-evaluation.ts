import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { JsonObject } from '@tessera/contracts';
import {
  changedFields,
  bucketKeyOf,
  customOfHistory,
  dayOf,
  type ProfileEvent,
  type ProfileState,
} from '@tessera/profile';
import { randomUUID } from 'node:crypto';
import { ENRICHMENT_CONFIG } from '../config/enrichment-config.token';
import type { EnrichmentConfig } from '../config/enrichment.config';
import { MAX_ATTEMPTS } from '../profiles/profile-graph';
import { ProfilePublisher } from '../profiles/profile-publisher';
import { ProfileStoreRepository, type ProfileWrite } from '../profiles/profile-store.repository';
import type { ProfileDocument, TimelineDocument } from '../profiles/profile-store.schema';
import { isLive, stateOf } from '../profiles/stored-profile';
import { ProfileDefinitions } from './profile-definitions';
import { AudienceRepository } from './audience.repository';

const PAGE = 200;
const LEASE_MS = 60_000;
/** How long the evaluation waits for a profile's events to reach its timeline. */
const MAX_WAIT_MS = 10 * 60_000;

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
    private readonly definitions: ProfileDefinitions,
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
    // An event folded but never put on the timeline (parked after its profile write) would keep
    // a profile waiting for ever: after MAX_WAIT_MS it is backfilled from what the timeline has.
    const force = state.waitingSince !== null && now - state.waitingSince > MAX_WAIT_MS;
    const { waiting } = await this.evaluateAll(now, changed ? 'definition' : 'condition', force);
    // A profile whose last events are not on its timeline yet cannot be backfilled now: the
    // evaluation stays due and runs again at the next check.
    if (waiting > 0) await this.repository.release(this.owner, state.waitingSince ?? now);
    else await this.repository.complete(this.owner, state.revision, today);
    return waiting === 0;
  }

  /**
   * Re-evaluates every live profile at `now`: computed traits it lacks are backfilled from its
   * timeline, those deleted are dropped, then its audiences. Returns how many profiles changed and
   * how many wait for their timeline.
   */
  async evaluateAll(
    now: number,
    reason: string,
    force = false,
  ): Promise<{ changed: number; waiting: number }> {
    const total = { changed: 0, waiting: 0 };
    for (let after = ''; ;) {
      const page = await this.store.livePage(after, PAGE);
      if (page.length === 0) return total;
      const { changed, waiting } = await this.evaluatePage(page, now, reason, force);
      total.changed += changed;
      total.waiting += waiting;
      after = page[page.length - 1]._id;
      await this.repository.renew(this.owner, Date.now(), LEASE_MS);
    }
  }

  private async evaluatePage(
    page: ProfileDocument[],
    now: number,
    reason: string,
    force: boolean,
  ): Promise<{ changed: number; waiting: number }> {
    let docs = page;
    let changed = 0;
    let waiting = 0;
    for (let attempt = 0; docs.length > 0 && attempt < MAX_ATTEMPTS; attempt++) {
      const stored = await this.store.storedEvents(docs.flatMap((doc) => doc.inflight));
      const writes: ProfileWrite[] = [];
      for (const doc of docs) {
        const state = await this.withComputedTraits(doc, stored, force);
        if (!state) {
          waiting += 1;
          continue;
        }
        const membership = this.definitions.membership(state, now, doc.audiences, reason);
        // The last writer may have stopped before publishing its changes: send them again.
        const unpublished = doc.inflight.some((id) => !stored.has(id)) ? doc.audienceChanges : [];
        const traitsChanged = changedFields(stateOf(doc), state);
        if (membership.changes.length === 0 && traitsChanged.length === 0) continue;
        writes.push({
          expectedVersion: doc.version,
          doc: {
            ...doc,
            version: doc.version + 1,
            state: JSON.stringify(state),
            changed: [...traitsChanged, ...(membership.changes.length > 0 ? ['audiences'] : [])],
            audiences: membership.audiences,
            audienceChanges: [...unpublished, ...membership.changes],
            updatedAt: Date.now(),
          },
        });
      }
      const lost = await this.store.writeProfiles(writes);
      const written = writes.filter((write) => !lost.has(write.doc._id)).map((write) => write.doc);
      changed += written.length;
      await this.publisher.publish(written);
      // A profile another replica wrote meanwhile is read and evaluated again.
      docs = [...(await this.store.findProfiles(lost)).values()].filter(isLive);
    }
    return { changed, waiting };
  }

  /**
   * The profile's state with a bucket set for every computed trait defined now (backfilled from
   * its timeline) and none for deleted ones; null when events it folded are not on its timeline
   * yet (their writer is between its write and its timeline entries).
   */
  private async withComputedTraits(
    doc: ProfileDocument,
    stored: Set<string>,
    force: boolean,
  ): Promise<ProfileState | null> {
    const state = stateOf(doc);
    const definitions = this.definitions.computedTraits();
    const keys = new Set(definitions.map(bucketKeyOf));
    const missing = definitions.filter(
      (definition) => !Object.hasOwn(state.custom, bucketKeyOf(definition)),
    );
    const kept = Object.fromEntries(Object.entries(state.custom).filter(([key]) => keys.has(key)));
    if (missing.length === 0) return { ...state, custom: kept };
    const unstored = doc.inflight.filter((id) => !stored.has(id));
    if (unstored.length > 0 && !force) return null;
    if (unstored.length > 0)
      this.logger.warn(
        `profile ${doc._id}: events ${unstored.join(', ')} are folded but not on its timeline; backfilled without them`,
      );
    const history = await this.store.timelineOf([doc._id, ...doc.absorbed]);
    const lastSeen = state.activity.lastSeen;
    const backfilled = customOfHistory(
      history.map(profileEventOfEntry),
      missing,
      lastSeen === null ? null : dayOf(lastSeen) - this.config.fold.dailyRetentionDays,
    );
    return { ...state, custom: { ...kept, ...backfilled } };
  }
}

/** The facts of a timeline entry a computed trait reads. */
function profileEventOfEntry(entry: TimelineDocument): ProfileEvent {
  return {
    messageId: entry._id,
    type: entry.type,
    event: entry.event,
    at: entry.at,
    sourceId: entry.sourceId,
    identifiers: [],
    traits: {},
    properties: JSON.parse(entry.properties) as JsonObject,
    consent: null,
    userAgent: null,
  };
}
