import { hash } from 'node:crypto';
import { identifierKey, type Identifier } from './identifier';
import { compareTypePriority, limitOf, type IdentityRules } from './identity-rules';

/** An identifier as a profile holds it: since when it is linked there. */
export interface LinkedIdentifier extends Identifier {
  linkedAt: number;
}

/** What the resolver needs to know of the graph: who holds an identifier, what a profile holds. */
export interface GraphSnapshot {
  profileOf(key: string): string | undefined;
  identifiersOf(profileId: string): readonly LinkedIdentifier[];
}

/** An identifier of the event left out of linking because linking it would break a limit. */
export interface UnlinkedIdentifier {
  identifier: Identifier;
  reason: string;
}

export interface Resolution {
  /** The profile the event belongs to. */
  profileId: string;
  /** Whether that profile is new (none of the event's identifiers was known). */
  created: boolean;
  /** Identifiers the event adds to the profile. */
  link: Identifier[];
  /** Profiles merged into `profileId`, smallest id first. */
  merged: string[];
  unlinked: UnlinkedIdentifier[];
}

/** Per identifier key: when a privacy request deleted the profile it belonged to (epoch ms). */
export type Generations = ReadonlyMap<string, number>;

export interface ResolveInput {
  identifiers: readonly Identifier[];
  /** Deletions of its identifiers' earlier profiles, so a new profile is not named as a deleted one. */
  generations?: Generations;
  /** An alias call's previousId: linked as the user id the graph knows, else as an anonymous id. */
  previousId?: string | null;
}

/**
 * A new profile's id, derived from the identifier that founds it, so a redelivered event, or two
 * replicas that see the same new customer at once, name the profile the same. `generation` is the
 * time a privacy request deleted the founder's earlier profile: a person who comes back after a
 * deletion gets a new id, not the deleted one (which other services keep as erased).
 */
export function profileIdFor(founder: Identifier, generation?: number): string {
  const key = identifierKey(founder);
  const seed = generation === undefined ? key : `${key}@${generation}`;
  return `p_${hash('sha256', seed, 'base64url').slice(0, 22)}`;
}

/** Orders identifiers most important first: by the rules' type priority, then by value. */
export function byImportance(rules: IdentityRules): (a: Identifier, b: Identifier) => number {
  return (a, b) => compareTypePriority(rules, a.type, b.type) || compare(a.value, b.value);
}

/** The id of the profile these identifiers would found: named after the most important one. */
export function founderIdOf(
  identifiers: readonly Identifier[],
  rules: IdentityRules,
  generations?: Generations,
): string {
  const founder = [...identifiers].sort(byImportance(rules))[0];
  return profileIdFor(founder, generations?.get(identifierKey(founder)));
}

/**
 * Resolves one event's identifiers against the graph: no identifier known -> a new profile; known
 * identifiers all in one profile -> that profile; in several -> they merge into the smallest
 * profile id. Before anything is linked the result is checked against the limits per type
 * (identifiers linked within `limitWindowMs` count); while it breaks one, the event's
 * lowest-priority identifier is left unlinked and the resolution is tried again. An event keeps at
 * least its most important identifier, which alone never merges anything. Null when the event
 * has no identifier to resolve (all were blocked or failed normalisation).
 */
export function resolveIdentities(
  input: ResolveInput,
  graph: GraphSnapshot,
  rules: IdentityRules,
  now: number,
): Resolution | null {
  const candidates = withPreviousId(input, graph);
  if (candidates.length === 0) return null;
  candidates.sort(byImportance(rules));
  const unlinked: UnlinkedIdentifier[] = [];
  for (;;) {
    const attempt = combine(candidates, graph);
    const broken = brokenLimit(attempt, rules, now);
    if (!broken || candidates.length === 1)
      return finish(attempt, candidates, unlinked, input.generations);
    const dropped = candidates.pop() as Identifier;
    unlinked.push({
      identifier: dropped,
      reason: `linking it would give a profile ${broken.count} ${broken.type} identifiers (limit ${broken.limit})`,
    });
  }
}

interface Attempt {
  profiles: string[];
  fresh: Identifier[];
  held: (LinkedIdentifier & { profileId: string })[];
}

function withPreviousId(input: ResolveInput, graph: GraphSnapshot): Identifier[] {
  const identifiers = [...input.identifiers];
  if (input.previousId) {
    const asUser = { type: 'user_id', value: input.previousId };
    const known = graph.profileOf(identifierKey(asUser)) !== undefined;
    const previous = known ? asUser : { type: 'anonymous_id', value: input.previousId };
    if (!identifiers.some((i) => identifierKey(i) === identifierKey(previous)))
      identifiers.push(previous);
  }
  return identifiers;
}

/** The profiles the identifiers lead to, and what the merged profile would hold. */
function combine(identifiers: Identifier[], graph: GraphSnapshot): Attempt {
  const profiles = new Set<string>();
  const fresh: Identifier[] = [];
  for (const identifier of identifiers) {
    const profile = graph.profileOf(identifierKey(identifier));
    if (profile === undefined) fresh.push(identifier);
    else profiles.add(profile);
  }
  const sorted = [...profiles].sort(compare);
  const held = sorted.flatMap((profileId) =>
    graph.identifiersOf(profileId).map((identifier) => ({ ...identifier, profileId })),
  );
  return { profiles: sorted, fresh, held };
}

/**
 * The most important type the attempt would hold more of than its limit allows, counting what
 * is linked within the window. A profile already over a limit (the limit was lowered) does not
 * count as broken by an event that adds nothing of that type to it.
 */
function brokenLimit(attempt: Attempt, rules: IdentityRules, now: number) {
  const since = rules.limitWindowMs > 0 ? now - rules.limitWindowMs : -Infinity;
  const total = new Map<string, number>();
  const most = new Map<string, number>();
  const perProfile = new Map<string, Map<string, number>>();
  for (const identifier of attempt.held) {
    if (identifier.linkedAt < since) continue;
    total.set(identifier.type, (total.get(identifier.type) ?? 0) + 1);
    const counts = perProfile.get(identifier.profileId) ?? new Map<string, number>();
    perProfile.set(
      identifier.profileId,
      counts.set(identifier.type, (counts.get(identifier.type) ?? 0) + 1),
    );
  }
  for (const counts of perProfile.values())
    for (const [type, count] of counts) most.set(type, Math.max(most.get(type) ?? 0, count));
  for (const identifier of attempt.fresh)
    total.set(identifier.type, (total.get(identifier.type) ?? 0) + 1);
  const types = [...total.keys()].sort((a, b) => compareTypePriority(rules, a, b));
  for (const type of types) {
    const count = total.get(type) as number;
    const limit = limitOf(rules, type);
    if (count > limit && count > (most.get(type) ?? 0)) return { type, count, limit };
  }
  return null;
}

function finish(
  attempt: Attempt,
  identifiers: Identifier[],
  unlinked: UnlinkedIdentifier[],
  generations: Generations | undefined,
) {
  const [target, ...merged] = attempt.profiles;
  const founder = identifiers[0];
  return {
    profileId: target ?? profileIdFor(founder, generations?.get(identifierKey(founder))),
    created: target === undefined,
    link: attempt.fresh,
    merged,
    unlinked,
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
