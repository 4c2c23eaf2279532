import type { Db } from 'mongodb';

interface StoredProfile {
  _id: string;
  parent: string | null;
  members: { type: string; value: string }[];
}

/** The identity graph as the store holds it, read whole (for checks after a test run). */
export interface StoredGraph {
  /** Identifier key -> live (root) profile. */
  groups: Map<string, string>;
  rootOf: (id: string) => string;
  roots: StoredProfile[];
  merged: { _id: string; parent: string }[];
  merges: Map<string, { into: string }>;
}

export async function readStoredGraph(db: Db): Promise<StoredGraph> {
  const profiles = await db.collection<StoredProfile>('profiles').find().toArray();
  const parents = new Map(profiles.map((profile) => [profile._id, profile.parent]));
  const rootOf = (id: string): string => {
    const parent = parents.get(id);
    return parent ? rootOf(parent) : id;
  };
  const links = await db
    .collection<{ _id: string; profile: string }>('identifiers')
    .find()
    .toArray();
  const merges = await db.collection<{ _id: string; into: string }>('merges').find().toArray();
  return {
    groups: new Map(links.map((link) => [link._id, rootOf(link.profile)])),
    rootOf,
    roots: profiles.filter((profile) => profile.parent === null),
    merged: profiles.flatMap((p) => (p.parent ? [{ _id: p._id, parent: p.parent }] : [])),
    merges: new Map(merges.map((merge) => [merge._id, merge])),
  };
}
