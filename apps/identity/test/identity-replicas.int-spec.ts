import { compareTypePriority, connectedComponents } from '@tessera/identity';
import { MongoClient } from 'mongodb';
import { keysOf, samePartition, stream } from './event-stream';
import { IdentityHarness } from './identity-harness';

describe('identity resolution with two replicas at once', () => {
  describe('without rules', () => {
    let harness: IdentityHarness;

    beforeAll(async () => {
      harness = await IdentityHarness.start(
        'identity-replicas',
        { IDENTITY_LIMITS: 'user_id=1000', IDENTITY_DEFAULT_LIMIT: '1000' },
        2,
      );
    }, 90_000);

    afterAll(() => harness.close());

    it.each([1, 2, 3])(
      'groups identifiers into the connected components of the events (seed %i)',
      async (seed) => {
        const events = stream(seed, 400, `s${seed}`);
        await harness.publishAndResolve(events);
        const groups = await harness.groups();
        const mine = new Map(
          [...groups].filter(([key]) => key.endsWith(`-s${seed}`) || key.includes(`-s${seed}@`)),
        );
        expect(samePartition(mine, connectedComponents(events.map(keysOf)))).toBe(true);
      },
      180_000,
    );
  });

  describe('with the default rules', () => {
    let harness: IdentityHarness;

    beforeAll(async () => {
      harness = await IdentityHarness.start('identity-replicas-rules', {}, 2);
    }, 90_000);

    afterAll(() => harness.close());

    it('keeps every rule and every identifier in exactly one live profile', async () => {
      const events = stream(7, 400, 'r7');
      const ids = await harness.publishAndResolve(events);
      const groups = await harness.groups();
      const mongo = await MongoClient.connect(harness.run.mongoUri);
      try {
        const profiles = await mongo
          .db(harness.config.mongo.database)
          .collection<{
            _id: string;
            parent: string | null;
            members: { type: string; value: string }[];
          }>('profiles')
          .find({ parent: null })
          .toArray();
        const members = new Map<string, string>();
        for (const profile of profiles) {
          const userIds = profile.members.filter((m) => m.type === 'user_id');
          expect(userIds.length).toBeLessThanOrEqual(1);
          for (const member of profile.members) {
            const key = `${member.type}:${member.value}`;
            expect(members.has(key)).toBe(false);
            members.set(key, profile._id);
          }
        }
        // What the roots hold is exactly what the identifier links say.
        expect(new Map([...members].sort())).toEqual(new Map([...groups].sort()));
      } finally {
        await mongo.close();
      }
      // Every resolved event's profile holds the event's most important identifier... or it was
      // merged since: follow it through the published merges.
      const into = new Map(harness.merges.map((m) => [m.from, m.into]));
      const live = (id: string): string => (into.has(id) ? live(into.get(id)!) : id);
      const { rules } = harness.config;
      for (const resolved of harness.resolved.filter((r) => ids.has(r.messageId))) {
        const [first] = [...resolved.identifiers].sort(
          (a, b) => compareTypePriority(rules, a.type, b.type) || (a.value < b.value ? -1 : 1),
        );
        expect(groups.get(`${first.type}:${first.value}`)).toBe(live(resolved.profileId));
      }
    }, 180_000);
  });
});
