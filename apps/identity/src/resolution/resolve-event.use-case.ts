import { Inject, Injectable } from '@nestjs/common';
import type { Event, IdentityMerge, ResolvedEvent } from '@tessera/contracts';
import {
  compareTypePriority,
  extractIdentifiers,
  identifierKey,
  profileIdFor,
  resolveIdentities,
  type ExtractedIdentifiers,
  type GraphSnapshot,
  type Identifier,
  type LinkedIdentifier,
  type Resolution,
} from '@tessera/identity';
import { TransientError } from '@tessera/platform-kafka';
import { randomUUID } from 'node:crypto';
import { IDENTITY_CONFIG } from '../config/identity-config.token';
import type { IdentityConfig } from '../config/identity.config';
import type { Intent, MemberEntry, MergeDocument, ProfileDocument } from '../graph/graph.schema';
import { IdentityGraphRepository, LockLostError } from '../graph/identity-graph.repository';

/** How precisely an identifier's last-seen time is kept. */
export const LAST_SEEN_PRECISION_MS = 60_000;

/** Tries at one event while other replicas hold its profiles, before the batch is retried later. */
const MAX_ATTEMPTS = 600;

/** A root another replica holds locked. */
class RootBusyError extends Error {
  constructor(profileId: string) {
    super(`profile ${profileId} is locked by another replica`);
    this.name = 'RootBusyError';
  }
}

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
 * Resolves an event to its profile in the shared graph, correct with any number of replicas:
 * 1. find the live (root) profiles of the event's known identifiers (or create the profile a new
 *    customer's most important identifier names);
 * 2. lock those roots, in id order, each with a lease (a conditional update: free, or its lease
 *    ran out); if one is taken, let go of all and try again;
 * 3. read again under the locks; if a root changed meanwhile, let go and try again;
 * 4. resolve with the domain rules (`resolveIdentities`) on what the roots hold;
 * 5. write, every write checked against the lock: the target's members, the new identifier links
 *    (an identifier another replica linked meanwhile sends us back to 1), then each merged root's
 *    parent pointer and the merge record; unlock.
 * Each step is idempotent, so a redelivered event (after a crash at any point) finishes the work
 * and changes nothing more; the merges it caused are reported again.
 */
@Injectable()
export class ResolveEventUseCase {
  constructor(
    private readonly graph: IdentityGraphRepository,
    @Inject(IDENTITY_CONFIG) private readonly config: IdentityConfig,
  ) {}

  async resolve(event: Event, now = new Date()): Promise<EventResolution> {
    const extracted = extractIdentifiers(event, this.config.rules);
    if (extracted.identifiers.length === 0 && extracted.previousId === null)
      throw new UnresolvableEventError(extracted.dropped);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const outcome = await this.attempt(event, extracted, now);
      if (outcome) return outcome;
      await pause(attempt);
    }
    throw new TransientError(
      `profiles of event ${event.messageId} stayed locked by other replicas`,
    );
  }

  /** One try; null when another replica was in the way (try again). */
  private async attempt(
    event: Event,
    extracted: ExtractedIdentifiers,
    now: Date,
  ): Promise<EventResolution | null> {
    const keys = this.keysOf(extracted);
    const roots = await this.involvedRoots(keys, extracted, now);
    const owner = randomUUID();
    const locked: string[] = [];
    const lock = async (id: string) => {
      if (locked.includes(id)) return;
      if (!(await this.graph.lock(id, owner, new Date(), this.config.lockLeaseMs)))
        throw new RootBusyError(id);
      locked.push(id);
    };
    try {
      for (const root of roots) await lock(root);
      // Finish first what a replica that stopped half-way decided on these roots; then start over.
      if (await this.rollForward(await this.graph.findProfiles(roots), lock, owner)) return null;
      const links = await this.graph.findIdentifiers(keys);
      const rootOf = await this.graph.rootsOf([
        ...new Set([...links.values()].map((l) => l.profile)),
      ]);
      if ([...rootOf.values()].some((root) => !roots.includes(root))) return null;
      const profiles = await this.graph.findProfiles(roots);
      const snapshot = snapshotOf(links, rootOf, profiles);
      const resolution = resolveIdentities(
        { identifiers: extracted.identifiers, previousId: extracted.previousId },
        snapshot,
        this.config.rules,
        now.getTime(),
      );
      if (!resolution) return null;
      if (!roots.includes(resolution.profileId)) {
        // A new profile for what the rules kept apart (a second user on a shared device): it
        // holds nothing yet, so taking its lock as well keeps the resolution valid.
        if (!resolution.created) return null;
        await this.graph.createProfile(resolution.profileId, now);
        await lock(resolution.profileId);
      }
      const seen = extracted.identifiers;
      if (!(await this.apply(resolution, seen, profiles, owner, event, now))) return null;
      const earlier = await this.mergesMadeBy(event, links, resolution);
      return this.outcome(event, extracted, resolution, earlier, now);
    } catch (error) {
      if (error instanceof LockLostError || error instanceof RootBusyError) return null;
      throw error;
    } finally {
      await Promise.all(locked.map((root) => this.graph.unlock(root, owner)));
    }
  }

  /**
   * The merges this event made, now or in an earlier delivery that stopped before publishing.
   * A merge it made before would have left one of its identifiers linked to a profile other than
   * the target; when all of them link to the target directly and nothing merged now, there is none
   * to look for (the common case, so no extra round trips).
   */
  private async mergesMadeBy(
    event: Event,
    links: Map<string, { profile: string }>,
    resolution: Resolution,
  ): Promise<MergeDocument[]> {
    const linked = [...new Set([...links.values()].map((link) => link.profile))];
    const elsewhere = linked.filter((profile) => profile !== resolution.profileId);
    if (elsewhere.length === 0 && resolution.merged.length === 0) return [];
    const { visited } = await this.graph.chainsOf(elsewhere);
    return this.graph.mergesCausedBy(
      event.messageId,
      [...visited, ...resolution.merged].filter((profile) => profile !== resolution.profileId),
    );
  }

  /** Keys of the event's identifiers, and of its previousId as a user and as an anonymous id. */
  private keysOf(extracted: ExtractedIdentifiers): string[] {
    const keys = extracted.identifiers.map(identifierKey);
    if (extracted.previousId !== null)
      keys.push(`user_id:${extracted.previousId}`, `anonymous_id:${extracted.previousId}`);
    return [...new Set(keys)];
  }

  /** The roots of the known identifiers; for a new customer, the profile its founder names. */
  private async involvedRoots(
    keys: string[],
    extracted: ExtractedIdentifiers,
    now: Date,
  ): Promise<string[]> {
    const links = await this.graph.findIdentifiers(keys);
    let profiles = [...new Set([...links.values()].map((link) => link.profile))];
    if (profiles.length === 0) {
      const founder = this.founderOf(extracted);
      await this.graph.createProfile(profileIdFor(founder), now);
      profiles = [profileIdFor(founder)];
    }
    const roots = await this.graph.rootsOf(profiles);
    return [...new Set(roots.values())].sort();
  }

  /** The identifier a new profile is named after: the event's most important one. */
  private founderOf(extracted: ExtractedIdentifiers): Identifier {
    const candidates: Identifier[] = [...extracted.identifiers];
    if (extracted.previousId !== null)
      candidates.push({ type: 'anonymous_id', value: extracted.previousId });
    candidates.sort(
      (a, b) =>
        compareTypePriority(this.config.rules, a.type, b.type) ||
        (a.value < b.value ? -1 : a.value > b.value ? 1 : 0),
    );
    return candidates[0];
  }

  /** Writes the resolution; false when an identifier was linked elsewhere meanwhile (try again). */
  private async apply(
    resolution: Resolution,
    seen: readonly Identifier[],
    profiles: Map<string, ProfileDocument>,
    owner: string,
    event: Event,
    now: Date,
  ): Promise<boolean> {
    const target = resolution.profileId;
    const at = now.getTime();
    const members = new Map<string, MemberEntry>();
    const absorbed = new Set(profiles.get(target)?.absorbed ?? []);
    for (const id of [target, ...resolution.merged])
      for (const member of profiles.get(id)?.members ?? [])
        members.set(identifierKey(member), {
          ...member,
          lastSeen: member.lastSeen ?? member.linkedAt,
        });
    for (const from of resolution.merged) {
      absorbed.add(from);
      for (const earlier of profiles.get(from)?.absorbed ?? []) absorbed.add(earlier);
    }
    for (const identifier of resolution.link)
      members.set(identifierKey(identifier), { ...identifier, linkedAt: at, lastSeen: at });
    // Last seen is kept to the minute, so an event that changes nothing else writes nothing.
    let stale = false;
    for (const identifier of seen) {
      const member = members.get(identifierKey(identifier));
      if (member && at - member.lastSeen >= LAST_SEEN_PRECISION_MS) {
        member.lastSeen = at;
        stale = true;
      }
    }
    if (resolution.link.length === 0 && resolution.merged.length === 0) {
      if (stale) await this.graph.setMembers(target, owner, [...members.values()], [...absorbed]);
      return true;
    }
    // Write-ahead: the decision is durable before any of its effects, so that a crash half-way
    // is finished by whoever holds these roots next, as decided (see rollForward).
    const intent: Intent = {
      messageId: event.messageId,
      link: resolution.link.map(({ type, value }) => ({ type, value })),
      merged: resolution.merged,
      members: [...members.values()],
      absorbed: [...absorbed],
      reason: `event ${event.messageId} carried identifiers of both profiles`,
      at: now,
    };
    await this.graph.writeIntent(target, owner, intent);
    return this.complete(target, intent, owner);
  }

  /**
   * The effects of an intent, each idempotent: identifier links, merge records and parent
   * pointers of the merged roots (locked by this owner), then the target's members, clearing the
   * intent. False when an identifier to link was linked to another profile meanwhile: the intent
   * is finished without it and the event must be resolved again.
   */
  private async complete(target: string, intent: Intent, owner: string): Promise<boolean> {
    const taken = await this.graph.linkIdentifiers(
      intent.link.map((identifier) => ({
        _id: identifierKey(identifier),
        ...identifier,
        profile: target,
        linkedAt: intent.at,
      })),
    );
    const holders = await this.graph.findIdentifiers(taken.map((doc) => doc._id));
    const lost = new Set(
      taken.filter((doc) => holders.get(doc._id)?.profile !== target).map((doc) => doc._id),
    );
    const merged = await this.graph.findProfiles(intent.merged);
    for (const from of intent.merged) {
      const profile = merged.get(from);
      if (profile?.parent === target) continue;
      await this.graph.recordMerge({
        _id: from,
        into: target,
        reason: intent.reason,
        messageId: intent.messageId,
        identifiers: [...intent.link, ...(profile?.members ?? [])].map(({ type, value }) => ({
          type,
          value,
        })),
        at: intent.at,
      });
      await this.graph.mergeInto(from, target, owner, intent.at);
    }
    const members = intent.members.filter((member) => !lost.has(identifierKey(member)));
    await this.graph.finishIntent(target, owner, members, intent.absorbed);
    return lost.size === 0;
  }

  /**
   * Finishes an intent another replica left on one of these roots (or on the root one of them is
   * being merged into), taking the locks it needs. True when it did: the graph changed.
   */
  private async rollForward(
    profiles: Map<string, ProfileDocument>,
    lock: (id: string) => Promise<void>,
    owner: string,
  ): Promise<boolean> {
    for (const profile of profiles.values()) {
      const target = profile.pending ? profile._id : profile.pendingInto;
      if (!target) continue;
      await lock(target);
      const intent = (await this.graph.findProfiles([target])).get(target)?.pending;
      if (!intent) {
        // Marked for a merge whose intent was never written: nothing was decided.
        await this.graph.clearPendingInto(profile._id, owner);
        return true;
      }
      const merged = await this.graph.findProfiles(intent.merged);
      for (const from of intent.merged) if (merged.get(from)?.parent !== target) await lock(from);
      await this.complete(target, intent, owner);
      return true;
    }
    return false;
  }

  private outcome(
    event: Event,
    extracted: ExtractedIdentifiers,
    resolution: Resolution,
    earlier: MergeDocument[],
    now: Date,
  ): EventResolution {
    const merges: IdentityMerge[] = earlier.map((merge) => ({
      from: merge._id,
      into: merge.into,
      reason: merge.reason,
      messageId: merge.messageId,
      identifiers: merge.identifiers.map(({ type, value }) => ({ type, value })),
      at: merge.at.getTime(),
    }));
    return {
      resolved: {
        ...event,
        profileId: resolution.profileId,
        identifiers: extracted.identifiers.map(({ type, value }) => ({ type, value })),
        unlinked: resolution.unlinked.map(({ identifier, reason }) => ({
          type: identifier.type,
          value: identifier.value,
          reason,
        })),
        dropped: extracted.dropped,
        resolvedAt: now.getTime(),
      },
      merges,
    };
  }
}

/** What the domain resolver sees: identifier -> root, root -> members. */
function snapshotOf(
  links: Map<string, { profile: string }>,
  rootOf: Map<string, string>,
  profiles: Map<string, ProfileDocument>,
): GraphSnapshot {
  return {
    profileOf: (key) => {
      const link = links.get(key);
      return link ? rootOf.get(link.profile) : undefined;
    },
    identifiersOf: (profileId): readonly LinkedIdentifier[] =>
      profiles.get(profileId)?.members ?? [],
  };
}

/** Backs off a little more each try, with jitter, so competing replicas do not retry in step. */
function pause(attempt: number): Promise<void> {
  const ms = Math.min(50, 2 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random());
  return new Promise((resolve) => setTimeout(resolve, ms));
}
