import { Injectable, Logger } from '@nestjs/common';
import type { Context } from '@opentelemetry/api';
import type { ResolvedEvent } from '@tessera/contracts';
import { identifierKey } from '@tessera/identity';
import { TransientError } from '@tessera/platform-kafka';
import { changedFields, foldEvents, newProfile, profileEventOf } from '@tessera/profile';
import { ProfileDefinitions } from '../audiences/profile-definitions';
import { EnrichmentMetrics } from '../metrics/enrichment-metrics';
import { ErasedProfilesRepository } from './erased-profiles.repository';
import { MAX_ATTEMPTS, ProfileGraph } from './profile-graph';
import { ProfileEraser } from './profile-eraser';
import { ProfilePublisher } from './profile-publisher';
import { ProfileStoreRepository, type ProfileWrite } from './profile-store.repository';
import type { IdentifierDocument, ProfileDocument, TimelineDocument } from './profile-store.schema';
import { stateOf } from './stored-profile';

/** The events of one batch that go to one live profile. */
interface ProfileGroup {
  id: string;
  doc: ProfileDocument | undefined;
  events: ResolvedEvent[];
}

/**
 * Folds a partition's batch of resolved events into their profiles, each event exactly once:
 *
 * 1. The events' profiles are followed through merges to the live profiles they are in now.
 * 2. Each profile is written at the version read, with the new state and, in `inflight`, the
 *    messageIds this write folded (and older ones whose timeline entries are not stored yet).
 * 3. The snapshots are published.
 * 4. The events' timeline entries are stored (`_id` = messageId): from then on they are the record
 *    that the event is folded and published.
 *
 * A redelivered event is skipped when its timeline entry exists, or when it is in its profile's
 * `inflight` (its writer stopped before 4: this run publishes the profile and stores the entry).
 * A profile another replica wrote meanwhile is read and planned again.
 *
 * Copies of one event share a partition (resolved events are keyed as accepted events are), though
 * each may name another profile (resolved before and after a merge). A batch folds only the first
 * copy of each messageId: the one an earlier run of the same offsets folded, if any, so its
 * profile's `inflight` finds it; a later copy in a later batch finds the first one's timeline entry.
 *
 * An event of a profile a privacy request deleted is dropped. A deletion that came while the batch
 * was being folded is found after it, and what the batch wrote of that profile is deleted too.
 */
@Injectable()
export class FoldEventsUseCase {
  private readonly logger = new Logger(FoldEventsUseCase.name);

  constructor(
    private readonly store: ProfileStoreRepository,
    private readonly graph: ProfileGraph,
    private readonly publisher: ProfilePublisher,
    private readonly definitions: ProfileDefinitions,
    private readonly erased: ErasedProfilesRepository,
    private readonly eraser: ProfileEraser,
    private readonly metrics: EnrichmentMetrics,
  ) {}

  /** `traces`: each event's trace, by messageId; a profile's snapshot joins its last event's. */
  async fold(
    batch: ResolvedEvent[],
    traces: ReadonlyMap<string, Context> = new Map(),
  ): Promise<void> {
    let pending = firstCopies(batch);
    const touched = new Set<string>();
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt === MAX_ATTEMPTS)
        throw new TransientError(`${pending.length} events kept losing races for their profiles`);
      if (attempt > 0) await pause(attempt);
      pending = await this.attempt(pending, touched, traces);
    }
    const late = await this.erased.among(touched);
    if (late.size === 0) return;
    this.metrics.deletedAgain(late.size);
    this.logger.warn(`${late.size} profiles deleted while this batch folded them: deleted again`);
    await this.eraser.erase(await this.eraser.survey(late));
  }

  /** One pass over the events; returns those whose profile another replica wrote meanwhile. */
  private async attempt(
    all: ResolvedEvent[],
    touched: Set<string>,
    traces: ReadonlyMap<string, Context>,
  ): Promise<ResolvedEvent[]> {
    const erased = await this.erased.among(all.map((event) => event.profileId));
    const events = all.filter((event) => !erased.has(event.profileId));
    this.metrics.droppedForDeletion('event', all.length - events.length);
    if (events.length === 0) return [];
    const groups = await this.groupByProfile(events);
    for (const event of events) touched.add(event.profileId);
    for (const id of groups.keys()) touched.add(id);
    const stored = await this.store.storedEvents([
      ...events.map((event) => event.messageId),
      ...[...groups.values()].flatMap((group) => group.doc?.inflight ?? []),
    ]);
    const now = Date.now();
    const writes: ProfileWrite[] = [];
    const links = new Map<string, IdentifierDocument[]>();
    const republish: ProfileDocument[] = [];
    for (const group of groups.values()) {
      const held = group.doc?.inflight ?? [];
      const unstored = group.events.filter((event) => !stored.has(event.messageId));
      const fresh = unstored.filter((event) => !held.includes(event.messageId));
      if (fresh.length > 0) {
        const carried = held.filter((id) => !stored.has(id));
        const { write, newIdentifiers } = this.write(group, fresh, carried, now);
        writes.push(write);
        links.set(group.id, newIdentifiers);
      } else if (unstored.length > 0 && group.doc) {
        // Redelivered after a writer stopped between its write and its timeline entries.
        republish.push(group.doc);
      }
    }
    const lost = await this.store.writeProfiles(writes);
    const written = writes.filter((write) => !lost.has(write.doc._id)).map((write) => write.doc);
    // A republished profile's writer may have stopped before its links: link them all again.
    await this.store.linkIdentifiers([
      ...written.flatMap((doc) => links.get(doc._id) ?? []),
      ...republish.flatMap((doc) =>
        stateOf(doc).identifiers.map((identifier) => ({
          _id: identifierKey(identifier),
          profileId: doc._id,
        })),
      ),
    ]);
    await this.publisher.publish([...written, ...republish], [], tracesOf(groups, traces));
    const done = [...groups.values()].filter((group) => !lost.has(group.id));
    await this.store.insertTimeline(
      done
        .flatMap((group) => group.events)
        .filter((event) => !stored.has(event.messageId))
        .map(timelineEntryOf),
    );
    return [...groups.values()].filter((group) => lost.has(group.id)).flatMap((g) => g.events);
  }

  private async groupByProfile(events: ResolvedEvent[]): Promise<Map<string, ProfileGroup>> {
    const roots = await this.graph.rootsOf(events.map((event) => event.profileId));
    const groups = new Map<string, ProfileGroup>();
    for (const event of events) {
      const doc = roots.get(event.profileId);
      const id = doc?._id ?? event.profileId;
      const group = groups.get(id) ?? { id, doc, events: [] };
      group.events.push(event);
      groups.set(id, group);
    }
    return groups;
  }

  private write(
    group: ProfileGroup,
    fresh: ResolvedEvent[],
    carried: string[],
    now: number,
  ): { write: ProfileWrite; newIdentifiers: IdentifierDocument[] } {
    const before = group.doc ? stateOf(group.doc) : newProfile(this.definitions.computedTraits());
    const after = foldEvents(before, fresh.map(profileEventOf), this.definitions.foldOptions());
    const previous = group.doc?.audiences ?? [];
    const membership = this.definitions.membership(after, now, previous, 'condition');
    // The writer of carried events may have stopped before its links and its audience changes
    // went out: this write makes them again.
    const known = new Set(carried.length > 0 ? [] : before.identifiers.map(identifierKey));
    const newIdentifiers = after.identifiers
      .map(identifierKey)
      .filter((key) => !known.has(key))
      .map((key) => ({ _id: key, profileId: group.id }));
    const write: ProfileWrite = {
      expectedVersion: group.doc?.version ?? null,
      doc: {
        _id: group.id,
        version: (group.doc?.version ?? 0) + 1,
        state: JSON.stringify(after),
        absorbed: group.doc?.absorbed ?? [],
        inflight: [...carried, ...fresh.map((event) => event.messageId)],
        mergingInto: null,
        mergedInto: null,
        changed: [
          ...changedFields(before, after),
          ...(membership.changes.length > 0 ? ['audiences'] : []),
        ],
        audiences: membership.audiences,
        audienceChanges: [
          ...(carried.length > 0 ? (group.doc?.audienceChanges ?? []) : []),
          ...membership.changes,
        ],
        updatedAt: now,
      },
    };
    return { write, newIdentifiers };
  }
}

/** The first copy of each event in the batch, in partition order. */
function firstCopies(batch: ResolvedEvent[]): ResolvedEvent[] {
  const seen = new Set<string>();
  return batch.filter((event) => !seen.has(event.messageId) && seen.add(event.messageId));
}

function timelineEntryOf(event: ResolvedEvent): TimelineDocument {
  return {
    _id: event.messageId,
    profileId: event.profileId,
    at: event.timestamp ?? event.receivedAt,
    type: event.type,
    event: event.event,
    name: event.name,
    sourceId: event.sourceId,
    properties: JSON.stringify(event.properties ?? {}),
    receivedAt: event.receivedAt,
  };
}

/** Backs off a little, with jitter, before trying profiles another replica holds again. */
function pause(attempt: number): Promise<void> {
  const ms = Math.min(1_000, 10 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random());
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The trace of each profile's snapshot: that of the last of its events in the batch. */
function tracesOf(
  groups: Map<string, ProfileGroup>,
  traces: ReadonlyMap<string, Context>,
): Map<string, Context> {
  const byProfile = new Map<string, Context>();
  for (const group of groups.values()) {
    const last = group.events.at(-1);
    const trace = last && traces.get(last.messageId);
    if (trace) byProfile.set(group.id, trace);
  }
  return byProfile;
}
