import { Inject, Injectable } from '@nestjs/common';
import type { PrivacyRequest, PrivacyResolution, PrivacyStatus } from '@tessera/contracts';
import {
  IDENTIFIER_TYPE,
  identifierKey,
  normaliseIdentifier,
  type Identifier,
} from '@tessera/identity';
import { TransientError } from '@tessera/platform-kafka';
import { randomUUID } from 'node:crypto';
import { IDENTITY_CONFIG } from '../config/identity-config.token';
import type { IdentityConfig } from '../config/identity.config';
import type { ProfileDocument } from '../graph/graph.schema';
import { isUnfinished } from '../graph/graph-reader';
import { IdentityGraphRepository, LockLostError } from '../graph/identity-graph.repository';
import { IdentityMetrics } from '../metrics/identity-metrics';
import { ResolveBatchUseCase } from '../resolution/resolve-batch.use-case';
import { InvalidPrivacyRequestError } from './invalid-privacy-request.error';
import { detailOf, resolutionOf } from './privacy-outcome';
import { PrivacyRepository } from './privacy.repository';
import type { PrivacyRequestDocument } from './privacy.schema';
import { PrivacyScreen } from './privacy-screen';

/** Parent hops followed at most to find a root (merges point to smaller ids, so chains end). */
const MAX_HOPS = 64;

/**
 * How long a request waits for a profile other replicas hold (or for another try after losing
 * its lock) before it is given back to the platform, which retries it later.
 */
const MAX_WAIT_MS = 8_000;

/** What a privacy request comes to: the resolution to publish (none when it failed), and the status. */
export interface PrivacyOutcome {
  resolution: PrivacyResolution | null;
  status: PrivacyStatus;
}

/** A root this request holds locked, with the locks it took (`held`) under one owner. */
interface LockedRoot {
  root: ProfileDocument;
  owner: string;
  held: Set<string>;
}

/**
 * The identity service's part of a privacy request. It resolves the identifier to its live
 * profile and the whole component (root, absorbed profiles, every member identifier), with the
 * root locked as a resolution locks it (an intent left on it is finished first), and records the
 * outcome (hashes only) before any effect, so a redelivery finishes the work and publishes the
 * same resolution:
 * - delete: tombstones (hash, when), then the root (the commit point: it needs the lock), the
 *   absorbed profiles, the merge records, every member's link and any other link to those
 *   profiles; merge records of other profiles that name a member lose it. The deletion counter
 *   moves, so every replica drops its caches of the graph.
 * - suppress: the hashes of every member, suppressed as one group (the request's id); an unknown
 *   identifier's hash alone.
 * - unsuppress: lifts the group the identifier's hash was suppressed with.
 */
@Injectable()
export class HandlePrivacyRequestUseCase {
  constructor(
    private readonly graph: IdentityGraphRepository,
    private readonly privacy: PrivacyRepository,
    private readonly screen: PrivacyScreen,
    private readonly resolver: ResolveBatchUseCase,
    private readonly metrics: IdentityMetrics,
    @Inject(IDENTITY_CONFIG) private readonly config: IdentityConfig,
  ) {}

  async handle(request: PrivacyRequest): Promise<PrivacyOutcome> {
    let record: PrivacyRequestDocument;
    try {
      record = await this.carryOut(request);
    } catch (error) {
      if (!(error instanceof InvalidPrivacyRequestError)) throw error;
      this.metrics.privacyRequest(request.type, 'failed');
      return { resolution: null, status: this.status(request, 'failed', error.message) };
    }
    this.metrics.privacyRequest(request.type, 'done');
    return {
      resolution: resolutionOf(record),
      status: this.status(request, 'done', detailOf(record)),
    };
  }

  private async carryOut(request: PrivacyRequest): Promise<PrivacyRequestDocument> {
    const identifier = this.identifierOf(request);
    const since = Date.now();
    for (;;) {
      // Read on every try: one that lost its lock wrote the record before.
      const earlier = await this.privacy.findRequest(request.requestId);
      if (earlier?.state === 'done') return this.replay(earlier);
      if (request.type === 'unsuppress') return this.unsuppress(request, identifier, earlier);
      try {
        return await this.forget(request, identifier, earlier);
      } catch (error) {
        // The lease ran out before the root was deleted: nothing was deleted, start over.
        if (!(error instanceof LockLostError)) throw error;
        if (Date.now() - since > MAX_WAIT_MS) throw new TransientError(error.message);
      }
    }
  }

  /** The request's identifier as the graph keys it (normalised again: ingestion's rules may lag). */
  private identifierOf(request: PrivacyRequest): Identifier {
    const { type, value } = request.identifier;
    if (!IDENTIFIER_TYPE.test(type))
      throw new InvalidPrivacyRequestError(`${JSON.stringify(type)} is not an identifier type`);
    const normalised = normaliseIdentifier(type, value, this.config.rules);
    if (!normalised.ok)
      throw new InvalidPrivacyRequestError(`the ${type} is not a valid one: ${normalised.reason}`);
    return { type, value: normalised.value };
  }

  /** delete, suppress, suppress_with_delete. */
  private async forget(
    request: PrivacyRequest,
    identifier: Identifier,
    earlier: PrivacyRequestDocument | null,
  ): Promise<PrivacyRequestDocument> {
    const deletes = request.type !== 'suppress';
    const key = identifierKey(identifier);
    // A delivery before recorded the profile: start from it (its identifiers may be unlinked).
    const locked = await this.lockRoot(
      earlier?.found && earlier.profileId ? { profile: earlier.profileId } : { key },
    );
    if (!locked)
      // Gone: a delivery before deleted it (then only its rest is left), or nothing holds it.
      return earlier
        ? this.finish(earlier, [], true)
        : this.finish(this.nothingFound(request, key, deletes), [identifier], false);
    const { root, owner, held } = locked;
    if (
      earlier?.deletedAt &&
      root._id === earlier.profileId &&
      root.createdAt > earlier.deletedAt
    ) {
      // Founded again under the same id after the deletion a delivery before committed.
      await this.graph.release([...held], owner, false);
      return this.finish(earlier, [], true);
    }
    const members = root.members.map(({ type, value }) => ({ type, value }));
    const identifiers = uniqueBy([identifier, ...members], identifierKey);
    const now = new Date();
    const record: PrivacyRequestDocument = {
      _id: request.requestId,
      type: request.type,
      state: 'resolved',
      found: true,
      profileId: root._id,
      profileIds: union(earlier?.profileIds, [root._id, ...root.absorbed]),
      identifierHashes: union(
        earlier?.identifierHashes,
        identifiers.map((one) => this.screen.hashOf(identifierKey(one))),
      ),
      group: null,
      deletedAt: deletes ? now : null,
      resolvedAt: earlier?.resolvedAt ?? now,
    };
    try {
      // Write-ahead: the outcome (hashes only), then the tombstones, then the deletion.
      await this.privacy.saveRequest(record);
      await this.tombstone(record);
      if (deletes) {
        await this.graph.deleteRoot(root._id, owner);
        held.delete(root._id);
      }
    } finally {
      await this.graph.release([...held], owner, false);
    }
    return this.finish(record, identifiers, false);
  }

  /**
   * The effects after the root: the rest of the deletion, counted (so replicas drop their caches),
   * and the record marked done. `recovering`: a delivery before got this far, or further; what
   * is deleted by profile id then is only what was written before the deletion (a new customer
   * may have been given one of those ids since).
   */
  private async finish(
    record: PrivacyRequestDocument,
    identifiers: Identifier[],
    recovering: boolean,
  ): Promise<PrivacyRequestDocument> {
    if (recovering || !record.found) await this.tombstone(record);
    if (record.found && record.deletedAt) {
      await this.erase(record, identifiers, recovering ? record.deletedAt : null);
      // Every replica (this one too) drops its caches of the graph when it sees the count move.
      await this.privacy.countDeletion();
    }
    const done: PrivacyRequestDocument = { ...record, state: 'done' };
    await this.privacy.saveRequest(done);
    return done;
  }

  /** A request done before, delivered again: its deletion redone (idempotent), nothing else. */
  private async replay(record: PrivacyRequestDocument): Promise<PrivacyRequestDocument> {
    if (record.found && record.deletedAt) await this.erase(record, [], record.deletedAt);
    return record;
  }

  /** Deletes what is left of the component; with `before`, only what was written by then. */
  private async erase(
    record: PrivacyRequestDocument,
    identifiers: Identifier[],
    before: Date | null,
  ): Promise<void> {
    await this.graph.deleteProfiles(record.profileIds, before);
    await this.graph.deleteMerges(record.profileIds, before);
    await this.graph.unlink(identifiers.map(identifierKey));
    await this.graph.unlinkProfiles(record.profileIds, before);
    await this.graph.scrubMerges(identifiers);
  }

  private async tombstone(record: PrivacyRequestDocument): Promise<void> {
    if (record.type !== 'delete') await this.privacy.suppress(record.identifierHashes, record._id);
    if (record.deletedAt)
      await this.privacy.markDeleted(record.identifierHashes, record._id, record.deletedAt);
  }

  private nothingFound(
    request: PrivacyRequest,
    key: string,
    deletes: boolean,
  ): PrivacyRequestDocument {
    const now = new Date();
    // A deletion of an identifier not seen yet still drops the events received before it that
    // are still on their way (ingestion accepted them; identity has not resolved them yet).
    return {
      _id: request.requestId,
      type: request.type,
      state: 'resolved',
      found: false,
      profileId: null,
      profileIds: [],
      identifierHashes: [this.screen.hashOf(key)],
      group: null,
      deletedAt: deletes ? now : null,
      resolvedAt: now,
    };
  }

  private async unsuppress(
    request: PrivacyRequest,
    identifier: Identifier,
    earlier: PrivacyRequestDocument | null,
  ): Promise<PrivacyRequestDocument> {
    let record = earlier;
    if (!record) {
      const hash = this.screen.hashOf(identifierKey(identifier));
      const tombstone = await this.privacy.tombstone(hash);
      const group = tombstone?.suppressed ? tombstone.group : null;
      const suppression = group ? await this.privacy.findRequest(group) : null;
      record = {
        _id: request.requestId,
        type: request.type,
        state: 'resolved',
        found: group !== null,
        profileId: suppression?.profileId ?? null,
        profileIds: suppression?.profileIds ?? [],
        identifierHashes: union(suppression?.identifierHashes, [hash]),
        group,
        deletedAt: null,
        resolvedAt: new Date(),
      };
      await this.privacy.saveRequest(record);
    }
    if (record.group) await this.privacy.lift(record.identifierHashes, record.group, record._id);
    const done: PrivacyRequestDocument = { ...record, state: 'done' };
    await this.privacy.saveRequest(done);
    return done;
  }

  /**
   * Locks the live root of the profile an identifier is linked to (or a profile leads to), as a
   * resolution does: waits while another replica holds it, and finishes an intent left on it
   * (then looks again: it may have been merged). Null when there is none. Reads the store, not
   * the caches.
   */
  private async lockRoot(start: { key: string } | { profile: string }): Promise<LockedRoot | null> {
    const since = Date.now();
    for (let attempt = 1; ; attempt++) {
      const id = 'key' in start ? await this.locate(start.key) : await this.rootOf(start.profile);
      if (id === null) return null;
      const owner = randomUUID();
      const held = new Set<string>();
      if (await this.graph.lock(id, owner, new Date(), this.config.lockLeaseMs)) {
        held.add(id);
        const root = (await this.graph.findProfiles([id])).get(id);
        if (root && !isUnfinished(root)) return { root, owner, held };
        try {
          if (root && (await this.resolver.rollForward(root, owner, held))) continue;
        } finally {
          await this.graph.release([...held], owner, false);
        }
      }
      if (Date.now() - since > MAX_WAIT_MS)
        throw new TransientError(`profile ${id} stayed locked by other replicas`);
      await pause(attempt);
    }
  }

  /** The live root an identifier leads to, or null; a link left by a deletion goes. */
  private async locate(key: string): Promise<string | null> {
    const link = (await this.graph.findIdentifiers([key])).get(key);
    if (!link) return null;
    const root = await this.rootOf(link.profile);
    if (root === null) await this.graph.unlinkDangling([{ key, profile: link.profile }]);
    return root;
  }

  /** The live root a profile leads to, or null when one on the way is gone (deleted). */
  private async rootOf(profile: string): Promise<string | null> {
    let current = profile;
    for (let hop = 0; hop < MAX_HOPS; hop++) {
      const doc = (await this.graph.findProfiles([current])).get(current);
      if (!doc) return null;
      if (!doc.parent) return current;
      current = doc.parent;
    }
    throw new Error(`profile chain longer than ${MAX_HOPS} from ${profile}`);
  }

  private status(
    request: PrivacyRequest,
    status: PrivacyStatus['status'],
    detail: string,
  ): PrivacyStatus {
    return {
      requestId: request.requestId,
      service: this.config.service,
      status,
      detail,
      at: Date.now(),
    };
  }
}

/** The values of both lists, once each, sorted (so a record reads the same however it was built). */
function union(earlier: readonly string[] | undefined, now: readonly string[]): string[] {
  return [...new Set([...(earlier ?? []), ...now])].sort();
}

function uniqueBy<T>(items: T[], key: (item: T) => string): T[] {
  return [...new Map(items.map((item) => [key(item), item])).values()];
}

/** Backs off a little more each try, with jitter. */
function pause(attempt: number): Promise<void> {
  const ms = Math.min(200, 2 * 2 ** Math.min(attempt, 7)) * (0.5 + Math.random());
  return new Promise((resolve) => setTimeout(resolve, ms));
}
