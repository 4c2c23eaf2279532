import { Injectable } from '@nestjs/common';
import type { MergeDocument, ProfileDocument } from './graph.schema';
import { IdentityGraphRepository } from './identity-graph.repository';

/** Parent hops followed at most to find a root (merges point to smaller ids, so chains end). */
const MAX_HOPS = 64;

/** Entries each cache of a replica keeps (the oldest go first). */
export const CACHE_ENTRIES = 200_000;

/** A Map that forgets its oldest entries beyond a size. */
export class BoundedMap<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly capacity: number) {}

  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity)
      this.entries.delete(this.entries.keys().next().value as K);
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}

/** The part of the graph a batch of events touches, as read at one moment. */
export interface GraphView {
  /** Identifier key -> the profile it was linked to (follow `parentOf` for the live one). */
  linkOf: Map<string, string>;
  /** Every profile on those chains -> its parent; null for a root. */
  parentOf: Map<string, string | null>;
  /** The roots' documents as read (a root without a document has none). */
  roots: Map<string, ProfileDocument>;
  /** Identifier key -> when it was last seen on an event, as far as this replica knows (ms). */
  lastSeen: Map<string, number>;
}

/** The live profile a profile leads to in a view. */
export function rootIn(view: GraphView, profile: string): string {
  let current = profile;
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const parent = view.parentOf.get(current);
    if (!parent) return current;
    current = parent;
  }
  throw new Error(`profile chain longer than ${MAX_HOPS} from ${profile}`);
}

/**
 * Links and parent pointers of a view that lead to no live profile document. The graph never
 * writes one (profiles exist before anything links or points to them): they are left by a privacy
 * deletion under way, or read from a cache filled before one.
 */
export function danglingIn(
  view: GraphView,
  keys: readonly string[],
): { links: { key: string; profile: string }[]; any: boolean } {
  const links = keys.flatMap((key) => {
    const profile = view.linkOf.get(key);
    return profile !== undefined && !view.roots.has(rootIn(view, profile))
      ? [{ key, profile }]
      : [];
  });
  const chains = [...view.parentOf].some(
    ([id, parent]) => parent !== null && !view.roots.has(rootIn(view, id)),
  );
  return { links, any: links.length > 0 || chains };
}

/** Whether a root carries an intent, or a mark of one, still to be carried out. */
export function isUnfinished(doc: ProfileDocument | undefined): boolean {
  return Boolean(doc?.pending || doc?.pendingInto);
}

/** The profiles from `profile` to its root, both included. */
export function chainIn(view: GraphView, profile: string): string[] {
  const chain = [profile];
  for (let parent = view.parentOf.get(profile); parent; parent = view.parentOf.get(parent)) {
    chain.push(parent);
    if (chain.length > MAX_HOPS) throw new Error(`profile chain longer than ${MAX_HOPS}`);
  }
  return chain;
}

/**
 * Reads views of the graph with as little store work as is safe, caching per replica what never
 * changes once written: an identifier's link (the profile it was first linked to), a merged
 * profile's parent, and the merge record of a merged profile. Roots are read every time: they
 * are what changes. A privacy deletion removes links, profiles and merges (and a profile id may
 * come back, named after the same identifier): the caches hold for one value of the deletion
 * counter (`syncDeletions`), which every batch reads with its tombstones.
 */
@Injectable()
export class GraphReader {
  private readonly links = new BoundedMap<string, { profile: string; lastSeen: number }>(
    CACHE_ENTRIES,
  );
  private readonly parents = new BoundedMap<string, string>(CACHE_ENTRIES);
  private readonly merges = new BoundedMap<string, MergeDocument>(CACHE_ENTRIES);
  private deletions: number | undefined;
  private drops = 0;

  constructor(private readonly graph: IdentityGraphRepository) {}

  /**
   * How many times the caches were dropped: a view read while it moved may hold entries from
   * before a deletion.
   */
  get generation(): number {
    return this.drops;
  }

  /** Drops every cached entry when the deletion counter moved since the caches were filled. */
  syncDeletions(count: number): void {
    if (count === this.deletions) return;
    this.deletions = count;
    this.forgetAll();
  }

  /** Drops every cached entry. */
  forgetAll(): void {
    this.links.clear();
    this.parents.clear();
    this.merges.clear();
    this.drops += 1;
  }

  /** The links of these keys and the chains and roots they lead to, plus the given profiles'. */
  async read(keys: string[], profiles: string[] = []): Promise<GraphView> {
    const view: GraphView = {
      linkOf: new Map(),
      parentOf: new Map(),
      roots: new Map(),
      lastSeen: new Map(),
    };
    await this.extend(view, keys, profiles);
    return view;
  }

  /**
   * A view as `view` was, with the given profiles read again (and where they lead now), and the
   * keys it did not know looked up again; what else it holds is as it was read.
   */
  async refresh(view: GraphView, keys: string[], profiles: string[]): Promise<GraphView> {
    const fresh: GraphView = {
      linkOf: new Map(view.linkOf),
      parentOf: new Map(view.parentOf),
      roots: new Map(view.roots),
      lastSeen: new Map(view.lastSeen),
    };
    for (const id of profiles) {
      fresh.parentOf.delete(id);
      fresh.roots.delete(id);
    }
    await this.extend(
      fresh,
      keys.filter((key) => !view.linkOf.has(key)),
      profiles,
    );
    return fresh;
  }

  private async extend(view: GraphView, keys: string[], profiles: string[]): Promise<void> {
    const unknown: string[] = [];
    const added: string[] = [];
    for (const key of keys) {
      const link = this.links.get(key);
      if (link) {
        view.linkOf.set(key, link.profile);
        view.lastSeen.set(key, link.lastSeen);
        added.push(link.profile);
      } else unknown.push(key);
    }
    for (const [key, doc] of await this.graph.findIdentifiers(unknown)) {
      const lastSeen = (doc.lastSeen ?? doc.linkedAt).getTime();
      this.links.set(key, { profile: doc.profile, lastSeen });
      view.linkOf.set(key, doc.profile);
      view.lastSeen.set(key, lastSeen);
      added.push(doc.profile);
    }
    let frontier = new Set([...added, ...profiles]);
    for (let hop = 0; frontier.size > 0; hop++) {
      if (hop > MAX_HOPS) throw new Error(`profile chain longer than ${MAX_HOPS}`);
      const next = new Set<string>();
      const toRead: string[] = [];
      for (const id of frontier) {
        if (view.parentOf.has(id)) continue;
        const parent = this.parents.get(id);
        if (parent) {
          view.parentOf.set(id, parent);
          next.add(parent);
        } else toRead.push(id);
      }
      for (const [id, doc] of await this.graph.findProfiles(toRead)) {
        view.parentOf.set(id, doc.parent);
        if (doc.parent) {
          this.parents.set(id, doc.parent);
          next.add(doc.parent);
        } else view.roots.set(id, doc);
      }
      for (const id of toRead) if (!view.parentOf.has(id)) view.parentOf.set(id, null);
      frontier = next;
    }
  }

  /** Remembers links this replica made (or found made) and when their identifiers were seen. */
  linked(entries: { key: string; profile: string; lastSeen: number }[]): void {
    for (const { key, profile, lastSeen } of entries) this.links.set(key, { profile, lastSeen });
  }

  /** Remembers profiles this replica merged into others. */
  merged(entries: { from: string; into: string }[]): void {
    for (const { from, into } of entries) this.parents.set(from, into);
  }

  /** Remembers that identifiers were seen at a time (after it was written). */
  seen(keys: string[], at: number): void {
    for (const key of keys) {
      const link = this.links.get(key);
      if (link && link.lastSeen < at) this.links.set(key, { ...link, lastSeen: at });
    }
  }

  /**
   * The merge records of these profiles. Those of profiles known to be merged are final and
   * cached; a root's record may still be replaced (an attempt that stopped before its merge).
   */
  async mergesOf(view: GraphView, from: string[]): Promise<MergeDocument[]> {
    const found: MergeDocument[] = [];
    const toRead: string[] = [];
    for (const id of new Set(from)) {
      const cached = this.merges.get(id);
      if (cached) found.push(cached);
      else toRead.push(id);
    }
    for (const merge of await this.graph.mergesOf(toRead)) {
      if (view.parentOf.get(merge._id) || this.parents.get(merge._id))
        this.merges.set(merge._id, merge);
      found.push(merge);
    }
    return found;
  }
}
