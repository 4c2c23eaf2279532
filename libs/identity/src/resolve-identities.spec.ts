import type { Identifier } from './identifier';
import { IdentityGraph } from './identity-graph';
import { identityRules } from './identity-rules';
import { founderIdOf, profileIdFor, resolveIdentities } from './resolve-identities';

const user = (value: string): Identifier => ({ type: 'user_id', value });
const anon = (value: string): Identifier => ({ type: 'anonymous_id', value });
const email = (value: string): Identifier => ({ type: 'email', value });
const device = (value: string): Identifier => ({ type: 'device_id', value });

describe('resolveIdentities', () => {
  const rules = identityRules();

  it('makes a new profile, named after the most important identifier, when nothing is known', () => {
    const graph = new IdentityGraph(rules);
    const resolution = graph.process({ identifiers: [anon('a1'), user('u1')] }, 1);
    expect(resolution).toEqual({
      profileId: profileIdFor(user('u1')),
      created: true,
      link: [user('u1'), anon('a1')],
      merged: [],
      unlinked: [],
    });
  });

  it("names a new profile after the deletion of its founder's earlier one, so the deleted id is not reused", () => {
    const generations = new Map([['user_id:u1', 1_700_000_000_000]]);
    const resolution = resolveIdentities(
      { identifiers: [anon('a1'), user('u1')], generations },
      { profileOf: () => undefined, identifiersOf: () => [] },
      rules,
      1,
    );
    expect(resolution?.profileId).toBe(profileIdFor(user('u1'), 1_700_000_000_000));
    expect(resolution?.profileId).not.toBe(profileIdFor(user('u1')));
    expect(founderIdOf([anon('a1'), user('u1')], rules, generations)).toBe(resolution?.profileId);
    // Only the founder's deletion renames: another identifier's earlier profile does not.
    expect(founderIdOf([anon('a1'), user('u1')], rules, new Map([['anonymous_id:a1', 5]]))).toBe(
      profileIdFor(user('u1')),
    );
  });

  it('resolves to the profile that holds a known identifier and links the new ones to it', () => {
    const graph = new IdentityGraph(rules);
    const first = graph.process({ identifiers: [anon('a1')] }, 1)!;
    const second = graph.process({ identifiers: [anon('a1'), email('jane@example.org')] }, 2)!;
    expect(second).toMatchObject({
      profileId: first.profileId,
      created: false,
      link: [email('jane@example.org')],
    });
  });

  it('merges two profiles into the smaller id when an event carries identifiers of both', () => {
    const graph = new IdentityGraph(rules);
    const a = graph.process({ identifiers: [anon('a1')] }, 1)!.profileId;
    const b = graph.process({ identifiers: [email('jane@example.org')] }, 2)!.profileId;
    const merge = graph.process({ identifiers: [anon('a1'), email('jane@example.org')] }, 3)!;
    const [into, from] = [a, b].sort();
    expect(merge).toMatchObject({ profileId: into, merged: [from], link: [] });
    expect(graph.profileOf('email:jane@example.org')).toBe(into);
    expect(graph.profileOf('anonymous_id:a1')).toBe(into);
    expect(graph.merges).toEqual([
      { from, into, at: 3, identifiers: [anon('a1'), email('jane@example.org')] },
    ]);
  });

  it('never gives a profile two user_ids: a shared device stays with the first user', () => {
    const graph = new IdentityGraph(rules);
    const jane = graph.process({ identifiers: [user('jane'), device('d1')] }, 1)!.profileId;
    const joe = graph.process({ identifiers: [user('joe'), device('d1')] }, 2)!;
    expect(joe.profileId).toBe(profileIdFor(user('joe')));
    expect(joe.created).toBe(true);
    expect(joe.merged).toEqual([]);
    expect(joe.unlinked).toEqual([
      {
        identifier: device('d1'),
        reason: 'linking it would give a profile 2 user_id identifiers (limit 1)',
      },
    ]);
    expect(graph.profileOf('device_id:d1')).toBe(jane);
  });

  it('leaves the lowest-priority identifier unlinked first and tries again', () => {
    const limited = identityRules({ limits: { email: 1 } });
    const graph = new IdentityGraph(limited);
    const profile = graph.process({ identifiers: [user('u1'), email('one@example.org')] }, 1)!;
    const next = graph.process(
      { identifiers: [user('u1'), email('two@example.org'), device('d1')] },
      2,
    )!;
    // device_id ranks below email, so it goes first; the email is still one too many.
    expect(next.unlinked.map((u) => u.identifier)).toEqual([
      device('d1'),
      email('two@example.org'),
    ]);
    expect(next).toMatchObject({ profileId: profile.profileId, link: [] });
  });

  it('counts only identifiers linked within the window when one is set', () => {
    const windowed = identityRules({ limits: { email: 1 }, limitWindowMs: 1_000 });
    const graph = new IdentityGraph(windowed);
    graph.process({ identifiers: [user('u1'), email('one@example.org')] }, 0);
    const early = graph.process({ identifiers: [user('u1'), email('two@example.org')] }, 500)!;
    expect(early.link).toEqual([]);
    const late = graph.process({ identifiers: [user('u1'), email('two@example.org')] }, 2_000)!;
    expect(late.link).toEqual([email('two@example.org')]);
  });

  it('does not drop identifiers of a profile already over a lowered limit when the event adds none', () => {
    const graph = new IdentityGraph(identityRules());
    graph.process({ identifiers: [user('u1'), email('a@example.org'), email('b@example.org')] }, 1);
    const stricter = identityRules({ limits: { email: 1 } });
    const resolution = resolveIdentities(
      { identifiers: [user('u1'), email('a@example.org'), anon('x')] },
      graph,
      stricter,
      2,
    )!;
    expect(resolution.unlinked).toEqual([]);
    expect(resolution.link).toEqual([anon('x')]);
  });

  it("links an alias call's previousId as the user id the graph knows", () => {
    const graph = new IdentityGraph(identityRules({ limits: { user_id: 2 } }));
    const old = graph.process({ identifiers: [user('old')] }, 1)!.profileId;
    const alias = graph.process({ identifiers: [user('new')], previousId: 'old' }, 2)!;
    expect(alias).toMatchObject({ profileId: old, link: [user('new')] });
  });

  it('links an unknown previousId as an anonymous id', () => {
    const graph = new IdentityGraph(rules);
    const alias = graph.process({ identifiers: [user('new')], previousId: 'visitor-9' }, 1)!;
    expect(alias.link).toEqual([user('new'), anon('visitor-9')]);
  });

  it('resolves nothing for an event without identifiers', () => {
    expect(resolveIdentities({ identifiers: [] }, new IdentityGraph(rules), rules, 1)).toBeNull();
  });
});
