import { identifierKey, type Identifier } from './identifier';
import type { IdentityRules } from './identity-rules';
import {
  resolveIdentities,
  type GraphSnapshot,
  type LinkedIdentifier,
  type Resolution,
  type ResolveInput,
} from './resolve-identities';

/** A merge as the graph records it: which profile went into which, why, and when. */
export interface MergeRecord {
  from: string;
  into: string;
  at: number;
  /** The identifiers of the event that caused it. */
  identifiers: Identifier[];
}

/**
 * The identity graph in memory, one event after the other: the sequential reference the
 * store-backed, concurrent graph of the identity service is checked against.
 */
export class IdentityGraph implements GraphSnapshot {
  private readonly owners = new Map<string, string>();
  private readonly profiles = new Map<string, LinkedIdentifier[]>();
  readonly merges: MergeRecord[] = [];

  constructor(private readonly rules: IdentityRules) {}

  profileOf(key: string): string | undefined {
    return this.owners.get(key);
  }

  identifiersOf(profileId: string): readonly LinkedIdentifier[] {
    return this.profiles.get(profileId) ?? [];
  }

  /** Live profiles by id, each with its identifiers. */
  snapshot(): Map<string, readonly LinkedIdentifier[]> {
    return new Map(this.profiles);
  }

  /** Resolves the event's identifiers and applies the result. */
  process(input: ResolveInput, now: number): Resolution | null {
    const resolution = resolveIdentities(input, this, this.rules, now);
    if (resolution) this.apply(resolution, input, now);
    return resolution;
  }

  private apply(resolution: Resolution, input: ResolveInput, now: number): void {
    const { profileId } = resolution;
    const held = this.profiles.get(profileId) ?? [];
    for (const from of resolution.merged) {
      for (const identifier of this.profiles.get(from) ?? []) {
        held.push(identifier);
        this.owners.set(identifierKey(identifier), profileId);
      }
      this.profiles.delete(from);
      this.merges.push({ from, into: profileId, at: now, identifiers: [...input.identifiers] });
    }
    for (const identifier of resolution.link) {
      held.push({ ...identifier, linkedAt: now });
      this.owners.set(identifierKey(identifier), profileId);
    }
    if (held.length > 0) this.profiles.set(profileId, held);
  }
}
