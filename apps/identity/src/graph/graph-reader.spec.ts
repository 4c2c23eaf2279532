import type { ProfileDocument } from './graph.schema';
import { danglingIn, type GraphView } from './graph-reader';

const root = (id: string): ProfileDocument => ({
  _id: id,
  parent: null,
  members: [],
  absorbed: [],
  lock: null,
  createdAt: new Date(0),
});

const view = (overrides: Partial<GraphView>): GraphView => ({
  linkOf: new Map(),
  parentOf: new Map(),
  roots: new Map(),
  lastSeen: new Map(),
  ...overrides,
});

describe('danglingIn', () => {
  it('finds nothing when every link and parent pointer leads to a live root', () => {
    const graph = view({
      linkOf: new Map([['email:a@b.co', 'p_b']]),
      parentOf: new Map([
        ['p_b', 'p_a'],
        ['p_a', null],
      ]),
      roots: new Map([['p_a', root('p_a')]]),
    });
    expect(danglingIn(graph, ['email:a@b.co'])).toEqual({ links: [], any: false });
  });

  it('finds a link to a profile that is gone (a deletion under way)', () => {
    const graph = view({
      linkOf: new Map([['email:a@b.co', 'p_a']]),
      parentOf: new Map([['p_a', null]]),
    });
    expect(danglingIn(graph, ['email:a@b.co'])).toEqual({
      links: [{ key: 'email:a@b.co', profile: 'p_a' }],
      any: true,
    });
  });

  it('finds a cached parent pointer into a profile that is gone', () => {
    const graph = view({
      parentOf: new Map<string, string | null>([
        ['p_b', 'p_a'],
        ['p_a', null],
      ]),
    });
    expect(danglingIn(graph, []).any).toBe(true);
  });

  it('takes a profile an event would found, not there yet, for what it is', () => {
    const graph = view({ parentOf: new Map([['p_new', null]]) });
    expect(danglingIn(graph, ['user_id:new']).any).toBe(false);
  });
});
