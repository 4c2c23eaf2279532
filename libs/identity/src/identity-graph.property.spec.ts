import fc from 'fast-check';
import { connectedComponents } from './connected-components';
import { identifierKey, type Identifier } from './identifier';
import { IdentityGraph } from './identity-graph';
import { identityRules, limitOf, type IdentityRules } from './identity-rules';

/** Fixed, so a failure replays; change it (or set FC_SEED) to explore other schedules. */
const SEED = Number(process.env.FC_SEED ?? 20261129);
const RUNS = 200;

/** Identifiers from small pools, so that events share them and profiles link and merge. */
const identifier: fc.Arbitrary<Identifier> = fc.oneof(
  fc.integer({ min: 0, max: 11 }).map((n) => ({ type: 'user_id', value: `u${n}` })),
  fc.integer({ min: 0, max: 19 }).map((n) => ({ type: 'anonymous_id', value: `a${n}` })),
  fc.integer({ min: 0, max: 11 }).map((n) => ({ type: 'email', value: `e${n}@example.org` })),
  fc.integer({ min: 0, max: 7 }).map((n) => ({ type: 'device_id', value: `d${n}` })),
  fc.integer({ min: 0, max: 5 }).map((n) => ({ type: 'crm_id', value: `c${n}` })),
);

const event = fc.uniqueArray(identifier, { minLength: 1, maxLength: 4, selector: identifierKey });
const stream = fc.array(event, { minLength: 1, maxLength: 60 });

/** The connected components of the events, as sorted groups of keys. */
function components(events: Identifier[][]): string[][] {
  const groups = new Map<string, string[]>();
  for (const [key, root] of connectedComponents(events.map((e) => e.map(identifierKey))))
    groups.set(root, [...(groups.get(root) ?? []), key]);
  return canonical([...groups.values()]);
}

function groupsOf(graph: IdentityGraph): string[][] {
  return canonical([...graph.snapshot().values()].map((held) => held.map(identifierKey)));
}

function canonical(groups: string[][]): string[][] {
  return groups.map((group) => [...group].sort()).sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

function run(rules: IdentityRules, events: Identifier[][]): IdentityGraph {
  const graph = new IdentityGraph(rules);
  events.forEach((identifiers, index) => graph.process({ identifiers }, index));
  return graph;
}

describe('the identity graph (properties)', () => {
  const ruleFree = identityRules({ limits: { user_id: 1_000 }, defaultLimit: 1_000 });
  const rules = identityRules({ limits: { email: 2, device_id: 2 } });

  it('groups identifiers into the connected components of the events, without rules', () => {
    fc.assert(
      fc.property(stream, (events) => {
        expect(groupsOf(run(ruleFree, events))).toEqual(components(events));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('comes out the same whatever the order of the events, without rules', () => {
    fc.assert(
      fc.property(
        stream.chain((events) =>
          fc.tuple(fc.constant(events), fc.shuffledSubarray(events, { minLength: events.length })),
        ),
        ([events, shuffled]) => {
          expect(groupsOf(run(ruleFree, shuffled))).toEqual(groupsOf(run(ruleFree, events)));
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('with rules: no profile breaks a limit, and every linked identifier is in exactly one profile', () => {
    fc.assert(
      fc.property(stream, (events) => {
        const graph = new IdentityGraph(rules);
        const linked = new Set<string>();
        events.forEach((identifiers, index) => {
          const resolution = graph.process({ identifiers }, index)!;
          for (const identifier of resolution.link) linked.add(identifierKey(identifier));
          // The event's most important identifier is in the profile it resolved to.
          expect(
            graph.profileOf(identifierKey(identifiers.slice().sort(byPriority(rules))[0])),
          ).toBe(resolution.profileId);
        });
        const owners = new Map<string, string>();
        for (const [profileId, held] of graph.snapshot()) {
          const counts = new Map<string, number>();
          for (const identifier of held) {
            const key = identifierKey(identifier);
            expect(owners.has(key)).toBe(false);
            owners.set(key, profileId);
            expect(graph.profileOf(key)).toBe(profileId);
            counts.set(identifier.type, (counts.get(identifier.type) ?? 0) + 1);
          }
          for (const [type, count] of counts)
            expect(count).toBeLessThanOrEqual(limitOf(rules, type));
        }
        expect([...owners.keys()].sort()).toEqual([...linked].sort());
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('with rules: every merge leaves its source profile gone and its identifiers in the target', () => {
    fc.assert(
      fc.property(stream, (events) => {
        const graph = run(rules, events);
        const live = graph.snapshot();
        for (const merge of graph.merges) expect(live.has(merge.from)).toBe(false);
        const created = new Set(graph.merges.flatMap((m) => [m.from, m.into]));
        for (const id of live.keys()) created.add(id);
        expect(live.size).toBe(created.size - graph.merges.length);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('with rules: processing an event again changes nothing (redelivery is harmless)', () => {
    fc.assert(
      fc.property(stream, fc.nat(), (events, pick) => {
        const graph = run(rules, events);
        const before = groupsOf(graph);
        const again = graph.process({ identifiers: events[pick % events.length] }, events.length)!;
        expect(again.link).toEqual([]);
        expect(again.merged).toEqual([]);
        expect(groupsOf(graph)).toEqual(before);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

function byPriority(rules: IdentityRules) {
  const order = (type: string) => {
    const index = rules.priority.indexOf(type);
    return index === -1 ? rules.priority.length : index;
  };
  return (a: Identifier, b: Identifier) =>
    order(a.type) - order(b.type) ||
    (a.type < b.type ? -1 : a.type > b.type ? 1 : a.value < b.value ? -1 : 1);
}
