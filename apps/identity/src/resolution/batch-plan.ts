import type { Event } from '@tessera/contracts';
import {
  identifierKey,
  resolveIdentities,
  type ExtractedIdentifiers,
  type Generations,
  type IdentityRules,
  type LinkedIdentifier,
  type Resolution,
} from '@tessera/identity';
import { isUnfinished, rootIn, type GraphView } from '../graph/graph-reader';
import type { Intent, MemberEntry, MergeStep } from '../graph/graph.schema';
import type { IntentWrite } from '../graph/identity-graph.repository';

/** An event of a batch with the identifiers it carries. */
export interface PlanItem {
  event: Event;
  extracted: ExtractedIdentifiers;
  /** Keys of its identifiers, and of its previousId as a user and as an anonymous id. */
  keys: string[];
  /** The profiles it would found if none of its identifiers were known. */
  founders: string[];
  /** When privacy requests deleted its identifiers' earlier profiles: new ids are not those. */
  generations: Generations;
}

/** One event's resolution within a plan. */
export interface PlannedStep {
  item: PlanItem;
  resolution: Resolution;
  /** Merges the step makes (`from` into the step's profile). */
  merges: MergeStep[];
  /** Whether it changes the graph (a new profile, a link or a merge). */
  writes: boolean;
}

/**
 * How a plan may treat the roots: `survey` (before any lock: every root may be written, collect
 * which ones), or `locked` (only the roots this replica holds may be written).
 */
export type PlanMode = { kind: 'survey' } | { kind: 'locked'; owned: ReadonlySet<string> };

/**
 * Events resolved in order on a view of the graph, each seeing what the ones before it did (an
 * overlay of links, members and merges on top of the view), up to the first event that would
 * have to write a root the mode does not allow.
 */
export class BatchPlan {
  readonly steps: PlannedStep[] = [];
  /** Whether the plan stopped before the last item (a root it needs is held by another). */
  blocked = false;
  /** Roots the steps write, as read (survey: the ones to lock). */
  readonly writes = new Set<string>();
  /** Profiles the steps create (their founders' ids, not in the view). */
  readonly created = new Set<string>();
  private readonly links = new Map<string, string>();
  private readonly members = new Map<string, MemberEntry[]>();
  private readonly absorbed = new Map<string, Set<string>>();
  private readonly redirect = new Map<string, string>();
  /** Root -> the last event that changed it, for its intent. */
  private readonly changedBy = new Map<string, string>();
  private readonly linkedAt: number;

  private constructor(
    private readonly view: GraphView,
    private readonly rules: IdentityRules,
    private readonly now: Date,
  ) {
    this.linkedAt = now.getTime();
  }

  static make(
    items: readonly PlanItem[],
    view: GraphView,
    rules: IdentityRules,
    now: Date,
    mode: PlanMode,
  ): BatchPlan {
    const plan = new BatchPlan(view, rules, now);
    for (const item of items) if (!plan.add(item, mode)) break;
    return plan;
  }

  /** The live root a root of the view or a created profile ends in after the planned steps. */
  finalRoot(id: string): string {
    let current = id;
    for (let next = this.redirect.get(current); next; next = this.redirect.get(current))
      current = next;
    return current;
  }

  /**
   * What the plan writes, under the locks of every root it touches: marks on the roots merged
   * away, and for each root that changed its members, absorbed profiles and intent.
   */
  effects(): {
    marks: { id: string; into: string }[];
    writes: IntentWrite[];
    links: { key: string; type: string; value: string; profile: string }[];
  } {
    const merges = this.steps.flatMap((step) => step.merges);
    const links = [...this.links].map(([key, profile]) => {
      const separator = key.indexOf(':');
      return { key, type: key.slice(0, separator), value: key.slice(separator + 1), profile };
    });
    const marks = merges.map((merge) => ({ id: merge.from, into: this.finalRoot(merge.from) }));
    const writes: IntentWrite[] = [];
    for (const [root, messageId] of this.changedBy) {
      if (this.redirect.has(root)) continue;
      const intent: Intent = {
        messageId,
        link: links
          .filter((link) => this.finalRoot(link.profile) === root)
          .map(({ type, value, profile }) => ({ type, value, profile })),
        merges: merges.filter((merge) => this.finalRoot(merge.from) === root),
        at: this.now,
      };
      writes.push({
        id: root,
        members: this.membersOf(root),
        absorbed: [...this.absorbedOf(root)].sort(),
        intent,
      });
    }
    return { marks, writes, links };
  }

  /** Plans one item; false (and nothing planned) when it needs a root the mode does not allow. */
  private add(item: PlanItem, mode: PlanMode): boolean {
    const resolution = resolveIdentities(
      {
        identifiers: item.extracted.identifiers,
        previousId: item.extracted.previousId,
        generations: item.generations,
      },
      {
        profileOf: (key) => this.rootOfKey(key),
        identifiersOf: (root): readonly LinkedIdentifier[] => this.membersOf(root),
      },
      this.rules,
      this.linkedAt,
    );
    // extractIdentifiers left at least one identifier or a previousId: there is one to resolve.
    if (!resolution) throw new Error(`event ${item.event.messageId} has nothing to resolve`);
    const touched = [resolution.profileId, ...resolution.merged];
    const writes = resolution.created || resolution.link.length > 0 || resolution.merged.length > 0;
    // A root another replica left an intent on (or is writing one to) is finished first: also one
    // the resolution only read, whose members already name identifiers the intent has not linked
    // yet (they would count twice against a limit, and the event would found a second profile).
    const unfinished = this.unfinishedAmong([
      ...touched,
      ...item.keys.map((key) => this.rootOfKey(key)),
    ]);
    if (
      mode.kind === 'locked' &&
      (unfinished.length > 0 || (writes && touched.some((root) => !mode.owned.has(root))))
    ) {
      this.blocked = true;
      return false;
    }
    for (const root of unfinished) this.writes.add(root);
    if (writes)
      for (const root of touched) {
        if (this.view.roots.has(root) || this.view.parentOf.get(root)) this.writes.add(root);
        else if (resolution.created && root === resolution.profileId) this.created.add(root);
      }
    const merges = writes ? this.apply(item, resolution) : [];
    this.steps.push({ item, resolution, merges, writes });
    return true;
  }

  /** The step's effect on the overlay; the merges it makes. */
  private apply(item: PlanItem, resolution: Resolution): MergeStep[] {
    const target = resolution.profileId;
    const members = new Map(this.membersOf(target).map((m) => [identifierKey(m), m]));
    const absorbed = new Set(this.absorbedOf(target));
    const merges: MergeStep[] = [];
    for (const from of resolution.merged) {
      const theirs = this.membersOf(from);
      merges.push({
        from,
        into: target,
        messageId: item.event.messageId,
        reason: `event ${item.event.messageId} carried identifiers of both profiles`,
        identifiers: [...resolution.link, ...theirs].map(({ type, value }) => ({ type, value })),
      });
      for (const member of theirs) members.set(identifierKey(member), member);
      absorbed.add(from);
      for (const earlier of this.absorbedOf(from)) absorbed.add(earlier);
      this.redirect.set(from, target);
    }
    for (const { type, value } of resolution.link) {
      const key = identifierKey({ type, value });
      members.set(key, { type, value, linkedAt: this.linkedAt });
      this.links.set(key, target);
    }
    this.members.set(target, [...members.values()]);
    this.absorbed.set(target, absorbed);
    this.changedBy.set(target, item.event.messageId);
    return merges;
  }

  /** The roots of the view among these that carry an intent, or a mark of one, not carried out. */
  private unfinishedAmong(roots: (string | undefined)[]): string[] {
    return [...new Set(roots)].filter(
      (root): root is string => root !== undefined && isUnfinished(this.view.roots.get(root)),
    );
  }

  private rootOfKey(key: string): string | undefined {
    const linked = this.links.get(key);
    if (linked) return this.finalRoot(linked);
    const profile = this.view.linkOf.get(key);
    return profile === undefined ? undefined : this.finalRoot(rootIn(this.view, profile));
  }

  private membersOf(root: string): MemberEntry[] {
    return this.members.get(root) ?? this.view.roots.get(root)?.members ?? [];
  }

  private absorbedOf(root: string): Iterable<string> {
    return this.absorbed.get(root) ?? this.view.roots.get(root)?.absorbed ?? [];
  }
}
