import { Inject, Injectable } from '@nestjs/common';
import type { Event, IdentityMerge, ResolvedEvent } from '@tessera/contracts';
import {
  extractIdentifiers,
  founderIdOf,
  identifierKey,
  type ExtractedIdentifiers,
  type Generations,
  type IdentityRules,
} from '@tessera/identity';
import { TransientError } from '@tessera/platform-kafka';
import { randomUUID } from 'node:crypto';
import { IDENTITY_CONFIG } from '../config/identity-config.token';
import type { IdentityConfig } from '../config/identity.config';
import {
  chainIn,
  danglingIn,
  GraphReader,
  isUnfinished,
  rootIn,
  type GraphView,
} from '../graph/graph-reader';
import type { Intent, MemberEntry, MergeStep, ProfileDocument } from '../graph/graph.schema';
import {
  IdentityGraphRepository,
  LockLostError,
  type IntentWrite,
} from '../graph/identity-graph.repository';
import { BarredEvent } from '../privacy/barred-event';
import { PrivacyScreen } from '../privacy/privacy-screen';
import { BatchPlan, type PlanItem, type PlannedStep } from './batch-plan';

/** How precisely an identifier's last-seen time is kept. */
export const LAST_SEEN_PRECISION_MS = 60_000;

/**
 * How long a batch may make no progress while other replicas hold its profiles before it is given
 * back to the platform (which retries it later, heartbeating meanwhile): well under the consumer
 * group's session timeout.
 */
const MAX_STALL_MS = 8_000;

/** An event none of whose identifiers can take part in matching: it cannot belong to a profile. */
export class UnresolvableEventError extends Error {
  constructor(readonly dropped: ExtractedIdentifiers['dropped']) {
    super(
      `the event has no usable identifier (${dropped.map((d) => `${d.path}: ${d.reason}`).join('; ') || 'none given'})`,
    );
    this.name = 'UnresolvableEventError';
  }
}

export interface EventResolution {
  resolved: ResolvedEvent;
  merges: IdentityMerge[];
}

/**
 * Per event of a batch, in order: its resolution, why it cannot have one, or the privacy verdict
 * that drops it.
 */
export type BatchOutcome = EventResolution | UnresolvableEventError | BarredEvent;

/**
 * How far one attempt got: how many leading events it resolved, and whether to retry at once;
 * or, before anything was planned, the events privacy tombstones bar (per item, in order).
 */
interface Progress {
  done: number;
  again?: boolean;
  barred?: (BarredEvent | null)[];
}

/** What attempts of one batch carry from one to the next. */
interface AttemptState {
  /** How many attempts in a row found links leading to no profile (and dropped the caches). */
  dangling: number;
}

/**
 * Resolves a batch of events (one Kafka partition's) in order, against the shared graph, correct
 * with any number of replicas, with a handful of store round trips per batch rather than per
 * event. One attempt:
 * 1. read the batch's identifiers, the profiles they lead to and the roots (cached: links and
 *    parent pointers, which never change once written);
 * 2. plan the events in order on that view (`BatchPlan`); events that only read (returning
 *    customers) need nothing more;
 * 3. otherwise lock every root the plan writes, in one conditional update (free, or its lease
 *    ran out);
 * 4. read those roots again and plan again under the locks, up to the first event that needs a
 *    root another replica holds (the rest waits for the next attempt); finish first any intent a
 *    replica left half done on a root it holds;
 * 5. write ahead: mark the roots merged away, insert the new customers' profiles (locked, with
 *    their members and intents), write each other changed root's members and intent; then the
 *    effects, each idempotent: identifier links (one that another replica linked
 *    meanwhile sends its event and the ones after it back to 1), merge records, parent pointers;
 *    then clear the intents and free the roots.
 * A redelivered batch (after a crash anywhere) finishes the work and changes nothing more; the
 * merges its events caused are reported again.
 */
@Injectable()
export class ResolveBatchUseCase {
  constructor(
    private readonly graph: IdentityGraphRepository,
    private readonly reader: GraphReader,
    private readonly screen: PrivacyScreen,
    @Inject(IDENTITY_CONFIG) private readonly config: IdentityConfig,
  ) {}

  async resolve(events: readonly Event[]): Promise<BatchOutcome[]> {
    const outcomes: (BatchOutcome | undefined)[] = events.map(() => undefined);
    const pending: { index: number; item: PlanItem }[] = [];
    events.forEach((event, index) => {
      const extracted = extractIdentifiers(event, this.config.rules);
      if (extracted.identifiers.length === 0 && extracted.previousId === null)
        outcomes[index] = new UnresolvableEventError(extracted.dropped);
      else
        pending.push({
          index,
          item: {
            event,
            extracted,
            keys: keysOf(extracted),
            founders: foundersOf(extracted, this.config.rules, NO_GENERATIONS),
            generations: NO_GENERATIONS,
          },
        });
    });
    let rest = pending;
    let stalled = 0;
    let since = Date.now();
    const state: AttemptState = { dangling: 0 };
    while (rest.length > 0) {
      const resolved: EventResolution[] = [];
      const progress = await this.attempt(
        rest.map((entry) => entry.item),
        resolved,
        state,
      );
      const barred = progress.barred;
      if (barred) {
        rest.forEach((entry, n) => {
          if (barred[n]) outcomes[entry.index] = barred[n];
        });
        rest = rest.filter((_, n) => !barred[n]);
        continue;
      }
      resolved.forEach((resolution, n) => (outcomes[rest[n].index] = resolution));
      rest = rest.slice(progress.done);
      if (progress.done > 0 || progress.again) {
        stalled = 0;
        since = Date.now();
        continue;
      }
      if (Date.now() - since > MAX_STALL_MS)
        throw new TransientError(
          `profiles of event ${rest[0].item.event.messageId} stayed locked by other replicas`,
        );
      await pause(++stalled);
    }
    return outcomes as BatchOutcome[];
  }

  /** One try at the items, in order; pushes the resolutions of the leading ones it resolved. */
  private async attempt(
    items: PlanItem[],
    resolved: EventResolution[],
    state: AttemptState,
  ): Promise<Progress> {
    const now = new Date();
    const keys = [...new Set(items.flatMap((item) => item.keys))];
    const founders = [...new Set(items.flatMap((item) => item.founders))];
    const generation = this.reader.generation;
    const read = await this.reader.read(keys, founders);
    const privacy = await this.checkPrivacy(items, keys, read, generation, state);
    if (privacy) return privacy;
    const survey = BatchPlan.make(items, read, this.config.rules, now, { kind: 'survey' });
    // A profile one of these events would have founded, left with an intent (its writer stopped
    // after creating it, before linking its identifiers): nothing links to it, so it is finished
    // here, or it would keep members its identifiers' links do not name.
    const toLock = new Set(survey.writes);
    for (const id of founders) if (isUnfinished(read.roots.get(id))) toLock.add(id);
    if (toLock.size === 0 && survey.created.size === 0) {
      // Nothing to write: the resolutions stand as read (each root was live when it was read).
      resolved.push(...(await this.outcomes(survey.steps, read, now)));
      await this.touch(survey.steps, read, now);
      return { done: items.length };
    }
    return this.underLocks(items, keys, read, [...toLock], [...survey.created], now, resolved);
  }

  /**
   * Privacy tombstones, read after the graph (so a view read before a deletion began is screened
   * against it, and one read during it shows the deletion's traces): the events they bar, or a
   * view to read again, when the caches were dropped since it was read (a deletion happened) or
   * links lead to a profile that was deleted (those links, left by a deletion under way, are
   * removed). Null: go on.
   */
  private async checkPrivacy(
    items: PlanItem[],
    keys: string[],
    read: GraphView,
    generation: number,
    state: AttemptState,
  ): Promise<Progress | null> {
    const screening = await this.screen.screen(
      items.map((item) => ({ keys: item.keys, receivedAt: item.event.receivedAt })),
    );
    this.reader.syncDeletions(screening.deletions);
    if (this.reader.generation !== generation) return { done: 0, again: true };
    if (screening.barred.some(Boolean)) return { done: 0, barred: screening.barred };
    if (this.renameFounders(items, screening.deletedAt)) return { done: 0, again: true };
    const dangling = danglingIn(read, keys);
    if (!dangling.any) {
      state.dangling = 0;
      return null;
    }
    // Read again without caches; links a deletion left behind go: those with tombstones at once
    // (the deletion is under way), the others once a read without caches shows them too.
    this.reader.forgetAll();
    state.dangling += 1;
    if (state.dangling > 2)
      throw new TransientError(
        'the graph leads to profiles that are gone: a deletion is under way',
      );
    await this.graph.unlinkDangling(
      state.dangling === 1
        ? dangling.links.filter((link) => screening.deleted.has(link.key))
        : await this.profilesGone(dangling.links),
    );
    return { done: 0, again: true };
  }

  /**
   * The links whose profile document is really gone. A view can miss a live profile's root (a
   * root merged between two reads of it), and a link removed then would leave its identifier in
   * a root's members while a later event links it again elsewhere; only a deletion removes a
   * profile document, so its absence, read by `_id`, is the proof.
   */
  private async profilesGone(
    links: { key: string; profile: string }[],
  ): Promise<{ key: string; profile: string }[]> {
    if (links.length === 0) return [];
    const found = await this.graph.findProfiles([...new Set(links.map((link) => link.profile))]);
    return links.filter((link) => !found.has(link.profile));
  }

  /**
   * An item whose identifiers' earlier profile a privacy request deleted founds its profile under
   * a new id (named with the deletion's time), never the deleted one. True when a founder changed:
   * the view was read for the old ones, so it is read again.
   */
  private renameFounders(items: PlanItem[], deletedAt: ReadonlyMap<string, number>): boolean {
    let renamed = false;
    for (const item of items) {
      const generations = new Map<string, number>();
      for (const key of item.keys) {
        const at = deletedAt.get(key);
        if (at !== undefined) generations.set(key, at);
      }
      if (sameGenerations(generations, item.generations)) continue;
      item.generations = generations;
      item.founders = foundersOf(item.extracted, this.config.rules, generations);
      renamed = true;
    }
    return renamed;
  }

  private async underLocks(
    items: PlanItem[],
    keys: string[],
    read: GraphView,
    toLock: string[],
    created: string[],
    now: Date,
    resolved: EventResolution[],
  ): Promise<Progress> {
    const owner = randomUUID();
    const lock = { owner, until: new Date(now.getTime() + this.config.lockLeaseMs) };
    const held = new Set<string>();
    /** Held roots with an intent of another writer still to carry out: it must stay. */
    const foreign = new Set<string>();
    let done = false;
    try {
      await this.graph.lockAll(toLock, owner, now, this.config.lockLeaseMs);
      let view = await this.reader.refresh(read, keys, [...toLock, ...created]);
      // A new customer's profile that exists already (another replica, or an earlier try, made
      // it): it is locked like any other root.
      const existing = created.filter((id) => view.roots.has(id));
      if (existing.length > 0) {
        await this.graph.lockAll(existing, owner, now, this.config.lockLeaseMs);
        view = await this.reader.refresh(view, keys, existing);
      }
      const owned = new Set(
        [...view.roots.values()].filter((doc) => doc.lock?.owner === owner).map((doc) => doc._id),
      );
      owned.forEach((id) => held.add(id));
      const unfinished = [...owned].filter((id) => isUnfinished(view.roots.get(id)));
      // Intents other writers left on these roots are finished first (then read again). One that
      // needs a root another replica holds waits: the events before it go on below.
      let finished = false;
      for (const id of unfinished) {
        const root = view.roots.get(id) as ProfileDocument;
        const before = new Set(held);
        if (await this.rollForward(root, owner, held)) finished = true;
        else {
          // What it locked for the intent (its target, merged roots) keeps the intent too: freed
          // as finished, the target would lose an intent nobody carried out.
          foreign.add(id);
          for (const taken of held) if (!before.has(taken)) foreign.add(taken);
        }
      }
      if (finished) return { done: 0, again: true };
      // Profiles to create are this replica's to write too: it inserts them, locked, below.
      const fresh = new Set(created.filter((id) => !view.parentOf.get(id) && !view.roots.has(id)));
      const plan = BatchPlan.make(items, view, this.config.rules, now, {
        kind: 'locked',
        owned: new Set([...owned, ...fresh]),
      });
      if (plan.steps.length === 0) return { done: 0 };
      const { marks, writes } = plan.effects();
      // Write-ahead, in this order: marks on the roots merged away, then the new profiles (with
      // their members and intents, or their marks), then the intents of the other roots.
      await this.graph.markMerged(
        owner,
        marks.filter((mark) => !fresh.has(mark.id)),
      );
      const { marked, founded } = newProfiles(marks, writes, fresh, lock, now);
      // Another replica created one of these profiles meanwhile (the same new customer seen on
      // two partitions): nothing that needs it is written, the batch is planned again.
      if ((await this.insertHeld(marked, held)).length > 0) return { done: 0, again: true };
      if ((await this.insertHeld(founded, held)).length > 0) {
        // The profiles inserted carry intents; they are carried out now (nothing links to them).
        await this.complete(
          founded
            .filter((doc) => held.has(doc._id))
            .map((doc) => ({ id: doc._id, intent: doc.pending as Intent, members: doc.members })),
          owner,
          now,
        );
        done = true;
        return { done: 0, again: true };
      }
      await this.graph.writeIntents(
        owner,
        writes.filter((write) => !fresh.has(write.id)),
      );
      const lost = await this.complete(writes, owner, now);
      done = true;
      // An identifier another replica linked meanwhile: its event (and the ones after it, planned
      // on the link) are resolved again, like a redelivery.
      const firstLost = plan.steps.findIndex((step) =>
        step.resolution.link.some((identifier) => lost.has(identifierKey(identifier))),
      );
      const steps = firstLost < 0 ? plan.steps : plan.steps.slice(0, firstLost);
      resolved.push(...(await this.outcomes(steps, view, now)));
      await this.touch(steps, view, now);
      return { done: steps.length, again: firstLost >= 0 };
    } catch (error) {
      if (error instanceof LockLostError) return { done: 0 };
      throw error;
    } finally {
      // Intents are cleared only once carried out; one left (a failure half-way) is finished by
      // whoever holds its root next.
      await this.graph.release(
        [...held].filter((id) => !foreign.has(id)),
        owner,
        done,
      );
      await this.graph.release([...foreign], owner, false);
    }
  }

  /** Inserts profiles held by this owner; returns the ids that existed already (not held). */
  private async insertHeld(docs: ProfileDocument[], held: Set<string>): Promise<string[]> {
    docs.forEach((doc) => held.add(doc._id));
    const taken = await this.graph.insertProfiles(docs);
    taken.forEach((id) => held.delete(id));
    return taken;
  }

  /**
   * Carries out intents on roots this owner holds, each step idempotent: links, merge records,
   * parent pointers of the merged roots (held too), and members without the identifiers another
   * profile holds. Returns the keys of those lost identifiers. The caller frees the roots, which
   * clears the intents.
   */
  private async complete(
    intents: { id: string; intent: Intent; members: MemberEntry[] }[],
    owner: string,
    now: Date,
  ): Promise<Set<string>> {
    const links = intents.flatMap(({ id, intent }) =>
      intent.link.map(({ type, value, profile }) => ({
        root: id,
        doc: {
          _id: identifierKey({ type, value }),
          type,
          value,
          profile: profile ?? id,
          linkedAt: intent.at,
          lastSeen: intent.at,
        },
      })),
    );
    const merges = intents.flatMap(({ intent }) =>
      (intent.merges ?? []).map((merge) => ({ ...merge, at: intent.at })),
    );
    const taken = new Set(
      (await this.graph.linkIdentifiers(links.map((link) => link.doc))).map((doc) => doc._id),
    );
    const lost = new Set<string>();
    if (taken.size > 0) {
      // Linked already: by an earlier try of the same work (it leads to the same root, once the
      // merges planned are made), or by another replica to another profile (lost).
      const holders = await this.reader.read([...taken]);
      const into = new Map(merges.map((merge) => [merge.from, merge.into]));
      const settled = (profile: string): string => {
        let current = rootIn(holders, profile);
        for (let next = into.get(current); next; next = into.get(current)) current = next;
        return current;
      };
      for (const { root, doc } of links) {
        if (!taken.has(doc._id)) continue;
        const holder = holders.linkOf.get(doc._id);
        if (holder === undefined || settled(holder) !== root) lost.add(doc._id);
      }
    }
    this.reader.linked(
      links
        .filter(({ doc }) => !taken.has(doc._id))
        .map(({ doc }) => ({ key: doc._id, profile: doc.profile, lastSeen: now.getTime() })),
    );
    await this.graph.recordMerges(
      merges.map(({ from, into, reason, messageId, identifiers, at }) => ({
        _id: from,
        into,
        reason,
        messageId,
        identifiers,
        at,
      })),
    );
    await this.graph.mergeAll(owner, merges, now);
    this.reader.merged(merges);
    const fixes = intents.flatMap(({ id, members }) => {
      const kept = members.filter((member) => !lost.has(identifierKey(member)));
      return kept.length === members.length ? [] : [{ id, members: kept }];
    });
    await this.graph.setMembers(owner, fixes);
    return lost;
  }

  /**
   * Finishes the intent a replica left on a root (or on the root it is being merged into), taking
   * the locks it needs; the caller frees what it took (`held`). False when one of them is busy.
   * Also used by privacy requests, which finish a root's intent before they act on it.
   */
  async rollForward(profile: ProfileDocument, owner: string, held: Set<string>): Promise<boolean> {
    const lock = async (id: string): Promise<boolean> => {
      if (held.has(id)) return true;
      if (!(await this.graph.lock(id, owner, new Date(), this.config.lockLeaseMs))) return false;
      held.add(id);
      return true;
    };
    const target = profile.pending ? profile._id : (profile.pendingInto as string);
    if (!(await lock(target))) {
      // A mark for a new profile that was never created: nothing was decided.
      if ((await this.graph.findProfiles([target])).has(target)) return false;
      await this.graph.clearPendingInto(profile._id, owner);
      return true;
    }
    const doc = (await this.graph.findProfiles([target])).get(target);
    const intent = doc?.pending;
    if (!doc || !intent) {
      // Marked for a merge whose intent was never written: nothing was decided.
      await this.graph.clearPendingInto(profile._id, owner);
      return true;
    }
    const steps = mergeStepsOf(target, intent);
    const merged = await this.graph.findProfiles(steps.map((step) => step.from));
    const open = steps.filter((step) => merged.get(step.from)?.parent !== step.into);
    for (const step of open) if (!(await lock(step.from))) return false;
    // A release before batching kept the root's new members in the intent.
    const members = intent.members ?? doc.members;
    if (intent.members)
      await this.graph.setMembers(owner, [{ id: target, members, absorbed: intent.absorbed }]);
    await this.complete(
      [{ id: target, intent: { ...intent, merges: open }, members }],
      owner,
      intent.at,
    );
    await this.graph.finishIntent(target, owner);
    return true;
  }

  /** The published form of each step: the event with its profile, and the merges it made. */
  private async outcomes(
    steps: PlannedStep[],
    view: GraphView,
    now: Date,
  ): Promise<EventResolution[]> {
    // A merge an event made in an earlier delivery (that stopped before publishing) left one of
    // its identifiers linked to a profile on a chain into the root; none when all link to it.
    const lookups = steps.map((step) => {
      const own = new Set([step.resolution.profileId, ...step.merges.map((m) => m.from)]);
      return [
        ...new Set(
          step.item.keys.flatMap((key) => {
            const profile = view.linkOf.get(key);
            return profile === undefined ? [] : chainIn(view, profile);
          }),
        ),
      ].filter((profile) => !own.has(profile));
    });
    const earlier = await this.reader.mergesOf(view, lookups.flat());
    return steps.map((step, n) => {
      const candidates = new Set(lookups[n]);
      const made = [
        ...earlier
          .filter((merge) => candidates.has(merge._id))
          .filter((merge) => merge.messageId === step.item.event.messageId)
          .map((merge) => ({ ...merge, from: merge._id, at: merge.at.getTime() })),
        ...step.merges.map((merge) => ({ ...merge, at: now.getTime() })),
      ];
      const { event, extracted } = step.item;
      return {
        resolved: {
          ...event,
          profileId: step.resolution.profileId,
          identifiers: extracted.identifiers.map(({ type, value }) => ({ type, value })),
          unlinked: step.resolution.unlinked.map(({ identifier, reason }) => ({
            type: identifier.type,
            value: identifier.value,
            reason,
          })),
          dropped: extracted.dropped,
          resolvedAt: now.getTime(),
        },
        merges: made.map((merge) => ({
          from: merge.from,
          into: merge.into,
          reason: merge.reason,
          messageId: merge.messageId,
          identifiers: merge.identifiers.map(({ type, value }) => ({ type, value })),
          at: merge.at,
        })),
      };
    });
  }

  /** Moves last-seen times of the steps' linked identifiers forward, to the minute. */
  private async touch(steps: PlannedStep[], view: GraphView, now: Date): Promise<void> {
    const at = now.getTime();
    const stale = [
      ...new Set(
        steps.flatMap((step) =>
          step.item.extracted.identifiers
            .map(identifierKey)
            .filter((key) => view.linkOf.has(key))
            .filter((key) => at - (view.lastSeen.get(key) ?? 0) >= LAST_SEEN_PRECISION_MS),
        ),
      ),
    ];
    await this.graph.touch(stale, now);
    this.reader.seen(stale, at);
  }
}

/** The merges an intent makes, also as a release before batching wrote them. */
function mergeStepsOf(target: string, intent: Intent): MergeStep[] {
  if (intent.merges) return intent.merges;
  return (intent.merged ?? []).map((from) => ({
    from,
    into: target,
    messageId: intent.messageId,
    reason: intent.reason ?? `event ${intent.messageId} carried identifiers of both profiles`,
    identifiers: intent.link,
  }));
}

/**
 * The ids of the profiles an event would found if none of its identifiers were known (a
 * previousId counts as a user id or as an anonymous id).
 */
function foundersOf(
  extracted: ExtractedIdentifiers,
  rules: IdentityRules,
  generations: Generations,
): string[] {
  if (extracted.previousId === null)
    return [founderIdOf(extracted.identifiers, rules, generations)];
  const previousId = extracted.previousId;
  return ['user_id', 'anonymous_id'].map((type) =>
    founderIdOf([...extracted.identifiers, { type, value: previousId }], rules, generations),
  );
}

const NO_GENERATIONS: Generations = new Map();

function sameGenerations(a: Generations, b: Generations): boolean {
  return a.size === b.size && [...a].every(([key, at]) => b.get(key) === at);
}

/**
 * The documents of the profiles a plan creates: those merged away within the batch (marked for
 * the merge, written first) and those founded (with their members and intents).
 */
function newProfiles(
  marks: { id: string; into: string }[],
  writes: IntentWrite[],
  fresh: ReadonlySet<string>,
  lock: ProfileDocument['lock'],
  now: Date,
): { marked: ProfileDocument[]; founded: ProfileDocument[] } {
  const base = (id: string): ProfileDocument => ({
    _id: id,
    parent: null,
    members: [],
    absorbed: [],
    lock,
    pending: null,
    pendingInto: null,
    createdAt: now,
  });
  return {
    marked: marks
      .filter((mark) => fresh.has(mark.id))
      .map((mark) => ({ ...base(mark.id), pendingInto: mark.into })),
    founded: writes
      .filter((write) => fresh.has(write.id))
      .map((write) => ({
        ...base(write.id),
        members: write.members,
        absorbed: write.absorbed,
        pending: write.intent,
      })),
  };
}

/** Keys of the event's identifiers, and of its previousId as a user and as an anonymous id. */
function keysOf(extracted: ExtractedIdentifiers): string[] {
  const keys = extracted.identifiers.map(identifierKey);
  if (extracted.previousId !== null)
    keys.push(`user_id:${extracted.previousId}`, `anonymous_id:${extracted.previousId}`);
  return [...new Set(keys)];
}

/** Backs off a little more each try, with jitter, so competing replicas do not retry in step. */
function pause(attempt: number): Promise<void> {
  const ms = Math.min(200, 2 * 2 ** Math.min(attempt, 7)) * (0.5 + Math.random());
  return new Promise((resolve) => setTimeout(resolve, ms));
}
