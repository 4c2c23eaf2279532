import type { Event } from '@tessera/contracts';
import { extractIdentifiers, identifierKey, identityRules, profileIdFor } from '@tessera/identity';
import { anEvent } from '@tessera/testing';
import type { GraphView } from '../graph/graph-reader';
import type { ProfileDocument } from '../graph/graph.schema';
import { BatchPlan, type PlanItem } from './batch-plan';

const rules = identityRules({ limits: { user_id: 1 }, defaultLimit: 5 });
const now = new Date(1_800_000_000_000);

const item = (event: Partial<Event>): PlanItem => {
  const full = anEvent({ userId: null, anonymousId: null, ...event });
  const extracted = extractIdentifiers(full, rules);
  return {
    event: full,
    extracted,
    keys: extracted.identifiers.map(identifierKey),
    founders: [],
    generations: new Map(),
  };
};

const root = (id: string, members: string[], extra: Partial<ProfileDocument> = {}) =>
  ({
    _id: id,
    parent: null,
    members: members.map((key) => {
      const [type, value] = key.split(':');
      return { type, value, linkedAt: 1 };
    }),
    absorbed: [],
    lock: null,
    createdAt: now,
    ...extra,
  }) satisfies ProfileDocument;

/** A view of roots (id -> member keys), each member linked to its root. */
const viewOf = (roots: ProfileDocument[], merged: Record<string, string> = {}): GraphView => ({
  linkOf: new Map(
    roots.flatMap((r) => r.members.map((m) => [`${m.type}:${m.value}`, r._id] as const)),
  ),
  parentOf: new Map([...roots.map((r) => [r._id, null] as const), ...Object.entries(merged)]),
  roots: new Map(roots.map((r) => [r._id, r])),
  lastSeen: new Map(),
});

const survey = (items: PlanItem[], view: GraphView) =>
  BatchPlan.make(items, view, rules, now, { kind: 'survey' });

describe('BatchPlan', () => {
  it('resolves a batch that only reads without anything to lock', () => {
    const view = viewOf([root('p_a', ['user_id:u1', 'anonymous_id:a1'])]);
    const plan = survey([item({ userId: 'u1' }), item({ anonymousId: 'a1' })], view);
    expect(plan.steps.map((s) => [s.resolution.profileId, s.writes])).toEqual([
      ['p_a', false],
      ['p_a', false],
    ]);
    expect(plan.writes.size + plan.created.size).toBe(0);
  });

  it('lets later events of a batch see what earlier ones linked and created', () => {
    const created = profileIdFor({ type: 'user_id', value: 'new' });
    const plan = survey(
      [
        item({ userId: 'new', anonymousId: 'x1' }),
        item({ anonymousId: 'x1', context: { device: { id: 'dev-9' } } }),
        item({ anonymousId: 'x1' }),
      ],
      viewOf([]),
    );
    expect(plan.steps.map((s) => s.resolution.profileId)).toEqual([created, created, created]);
    expect(plan.steps.map((s) => s.writes)).toEqual([true, true, false]);
    expect([...plan.created]).toEqual([created]);
    const { writes, links } = plan.effects();
    expect(writes.map((w) => [w.id, w.members.map((m) => `${m.type}:${m.value}`).sort()])).toEqual([
      [created, ['anonymous_id:x1', 'device_id:dev-9', 'user_id:new']],
    ]);
    expect(links.map((l) => [l.key, l.profile]).sort()).toEqual([
      ['anonymous_id:x1', created],
      ['device_id:dev-9', created],
      ['user_id:new', created],
    ]);
  });

  it('chains merges within a batch: links keep the profile of their event, intents go to the last root', () => {
    const view = viewOf([
      root('p_a', ['user_id:u1']),
      root('p_b', ['anonymous_id:b']),
      root('p_c', ['anonymous_id:c']),
    ]);
    const plan = survey(
      [
        item({ anonymousId: 'c', context: { device: { id: 'd1' } }, userId: null }),
        item({ anonymousId: 'b', context: { device: { id: 'd1' } } }),
        item({ userId: 'u1', anonymousId: 'b' }),
      ],
      view,
    );
    // d1 joins c; then b and c merge into b (the smaller id); then b into a.
    expect(plan.steps.map((s) => [s.resolution.profileId, s.resolution.merged])).toEqual([
      ['p_c', []],
      ['p_b', ['p_c']],
      ['p_a', ['p_b']],
    ]);
    const effects = plan.effects();
    expect(effects.marks).toEqual([
      { id: 'p_c', into: 'p_a' },
      { id: 'p_b', into: 'p_a' },
    ]);
    expect(effects.writes.map((w) => w.id)).toEqual(['p_a']);
    const [intent] = effects.writes.map((w) => w.intent);
    expect(intent.link).toEqual([{ type: 'device_id', value: 'd1', profile: 'p_c' }]);
    expect(intent.merges?.map((m) => [m.from, m.into])).toEqual([
      ['p_c', 'p_b'],
      ['p_b', 'p_a'],
    ]);
    expect(effects.writes[0].absorbed).toEqual(['p_b', 'p_c']);
    expect(effects.writes[0].members).toHaveLength(4);
  });

  it('stops, under locks, at the first event that would write a root held by another', () => {
    const view = viewOf([root('p_a', ['user_id:u1']), root('p_b', ['user_id:u2'])]);
    const plan = BatchPlan.make(
      [
        item({ userId: 'u1', context: { device: { id: 'd1' } } }),
        item({ userId: 'u2', context: { device: { id: 'd2' } } }),
        item({ userId: 'u1', context: { device: { id: 'd3' } } }),
      ],
      view,
      rules,
      now,
      { kind: 'locked', owned: new Set(['p_a']) },
    );
    expect(plan.blocked).toBe(true);
    expect(plan.steps.map((s) => s.item.event.context)).toEqual([{ device: { id: 'd1' } }]);
  });

  it('reads through a root it does not hold, and finishes none another replica left half done', () => {
    const view = viewOf([
      root('p_a', ['user_id:u1']),
      root('p_b', ['user_id:u2'], {
        pending: { messageId: 'm', link: [], merges: [], at: now },
      }),
    ]);
    const surveyed = survey([item({ userId: 'u1' }), item({ userId: 'u2' })], view);
    // The half-done root is to be locked (and rolled forward) even by an event that only reads.
    expect([...surveyed.writes]).toEqual(['p_b']);
    const locked = BatchPlan.make(
      [item({ userId: 'u1' }), item({ userId: 'u2' })],
      view,
      rules,
      now,
      {
        kind: 'locked',
        owned: new Set(),
      },
    );
    expect(locked.steps).toHaveLength(1);
    expect(locked.blocked).toBe(true);
  });

  it('finishes first a half-done root the resolution only reads (its members name unlinked identifiers)', () => {
    // A replica wrote p_a's intent (members with u1, link u1 to p_a) and was killed before the link:
    // u1 is in p_a's members but leads nowhere yet. The redelivered event carries u1 and a1.
    const halfDone = root('p_a', ['anonymous_id:a1', 'user_id:u1'], {
      pending: {
        messageId: 'm1',
        link: [{ type: 'user_id', value: 'u1', profile: 'p_a' }],
        merges: [],
        at: now,
      },
    });
    const view = viewOf([halfDone]);
    view.linkOf.delete('user_id:u1');
    const redelivered = item({ userId: 'u1', anonymousId: 'a1' });
    const surveyed = survey([redelivered], view);
    // Read as it stands, u1 would be a second user_id of p_a: a1 unlinked, a new profile for u1.
    expect(surveyed.steps[0].resolution.profileId).not.toBe('p_a');
    expect([...surveyed.writes]).toContain('p_a');
    const locked = BatchPlan.make([redelivered], view, rules, now, {
      kind: 'locked',
      owned: new Set(['p_a']),
    });
    expect(locked.blocked).toBe(true);
    expect(locked.steps).toHaveLength(0);
  });

  it('follows merged profiles of the view to their root', () => {
    const view = viewOf([root('p_a', ['user_id:u1', 'anonymous_id:z'])], { p_z: 'p_a' });
    view.linkOf.set('anonymous_id:z', 'p_z');
    const plan = survey([item({ anonymousId: 'z' })], view);
    expect(plan.steps[0].resolution.profileId).toBe('p_a');
    expect(plan.steps[0].writes).toBe(false);
  });
});
