import {
  TOMBSTONE_HEADERS,
  type IdentityMerge,
  type PrivacyResolution,
  type PrivacyStatus,
  type ResolvedEvent,
} from '@tessera/contracts';
import { eventually } from '@tessera/testing';
import { ErasedProfilesRepository } from '../src/profiles/erased-profiles.repository';
import { ProfileEraser } from '../src/profiles/profile-eraser';
import { EnrichmentHarness } from './enrichment-harness';
import { aResolvedOrder } from './resolved-event';

jest.setTimeout(180_000);

const DAY = 86_400_000;
const NOW = Date.now();

/** Zelda's two profiles, the second merged into the first; Bob's profile, which stays. */
const ZELDA = 'p_priv_1';
const ZELDA_OLD = 'p_priv_2';
const BOB = 'p_priv_3';
const BOB_LATER = 'p_priv_4';

const ZELDA_IDENTIFIERS = [
  { type: 'anonymous_id', value: 'anon-zq-web' },
  { type: 'anonymous_id', value: 'anon-zq-ios' },
  { type: 'email', value: 'zelda.quixote@example.com' },
  { type: 'phone', value: '+4915199887766' },
  { type: 'user_id', value: 'user-zq' },
];
/** What of Zelda must be gone from the store: identifier values, trait values, her messageIds. */
const ZELDA_TEXT = [
  'anon-zq',
  'zelda',
  'Zelda',
  'Quixote',
  '4915199887766',
  'user-zq',
  'Zqville',
  'priv-zq-',
];

const AUDIENCE = {
  id: 'buyers',
  name: 'Buyers',
  condition: { computed: 'orderCount', op: 'gte', value: 1 },
};
/** A computed trait that keeps a property value in the profile's buckets. */
const LAST_CITY = {
  id: 'last_city',
  event: 'Order Completed',
  property: 'city',
  aggregate: 'last',
};

let sequence = 0;
function zeldaEvent(profileId: string, fields: Partial<ResolvedEvent>): ResolvedEvent {
  sequence += 1;
  const at = NOW - (20 - sequence) * DAY;
  return aResolvedOrder(profileId, at, {
    messageId: `priv-zq-${sequence}`,
    userId: 'user-zq',
    identifiers: [{ type: 'user_id', value: 'user-zq' }],
    ...fields,
  }).event;
}

const ZELDA_EVENTS: ResolvedEvent[] = [
  zeldaEvent(ZELDA_OLD, {
    type: 'identify',
    event: null,
    traits: { email: 'Zelda.Quixote@example.com', firstName: 'Zelda', lastName: 'Quixote' },
    identifiers: [
      { type: 'anonymous_id', value: 'anon-zq-web' },
      { type: 'email', value: 'zelda.quixote@example.com' },
      { type: 'user_id', value: 'user-zq' },
    ],
  }),
  zeldaEvent(ZELDA_OLD, { properties: { revenue: 20, city: 'Zqville' } }),
  zeldaEvent(ZELDA, {
    type: 'page',
    event: null,
    name: 'Home',
    context: { traits: { phone: '+49 151 99887766' } },
    identifiers: [
      { type: 'anonymous_id', value: 'anon-zq-ios' },
      { type: 'phone', value: '+4915199887766' },
      { type: 'user_id', value: 'user-zq' },
    ],
  }),
  zeldaEvent(ZELDA, { properties: { revenue: 35, city: 'Zqville' } }),
];
const ZELDA_MERGE: IdentityMerge = {
  from: ZELDA_OLD,
  into: ZELDA,
  reason: 'user_id:user-zq was in both profiles',
  messageId: 'priv-zq-merge',
  identifiers: [{ type: 'user_id', value: 'user-zq' }],
  at: NOW - 10 * DAY,
};
const BOB_EVENTS = [
  aResolvedOrder(BOB, NOW - 3 * DAY, { properties: { revenue: 12, city: 'Berlin' } }),
  aResolvedOrder(BOB, NOW - 2 * DAY, {
    type: 'identify',
    event: null,
    traits: { firstName: 'Bob' },
  }),
];

const resolution = (fields: Partial<PrivacyResolution>): PrivacyResolution => ({
  requestId: 'prq_delete_1',
  type: 'delete',
  profileId: ZELDA,
  profileIds: [ZELDA, ZELDA_OLD],
  identifierHashes: ['0'.repeat(64)],
  resolvedAt: Date.now(),
  ...fields,
});

describe('a privacy request in enrichment', () => {
  let harness: EnrichmentHarness;

  const zeldaRecords = () =>
    harness.records.filter((r) => r.profileId === ZELDA || r.profileId === ZELDA_OLD);
  const statusesOf = (requestId: string) =>
    harness.privacyStatuses.filter((status) => status.requestId === requestId);

  async function statusOf(requestId: string, count = 1): Promise<PrivacyStatus> {
    await eventually(
      () => statusesOf(requestId).length >= count,
      60_000,
      `status ${count} of ${requestId}`,
    );
    return statusesOf(requestId)[count - 1];
  }

  /** A counter of the replica's /metrics, summed over its labels matching `labels`. */
  async function counter(name: string, labels = ''): Promise<number> {
    const text = await (await fetch(`${harness.replicas[0].url}/metrics`)).text();
    const line = new RegExp(`^${name}(?:\\{[^}]*${labels}[^}]*\\})? (\\d+)$`, 'm').exec(text);
    return Number(line?.[1] ?? 0);
  }

  /** Every document of every collection of the service's database, as JSON text. */
  async function storeAsJson(): Promise<string> {
    const db = (await harness.run.mongoClient()).db(harness.config.mongo.database);
    const texts: string[] = [];
    for (const { name } of await db.listCollections().toArray())
      texts.push(name, JSON.stringify(await db.collection(name).find({}).toArray()));
    return texts.join('\n');
  }

  beforeAll(async () => {
    harness = await EnrichmentHarness.start('enrich-privacy', 1, {
      AUDIENCE_REFRESH_MS: '200',
      AUDIENCE_EVALUATION_CHECK_MS: '200',
    });
    expect((await harness.request('POST', '/v1/audiences', AUDIENCE)).status).toBe(201);
    expect((await harness.request('POST', '/v1/computed-traits', LAST_CITY)).status).toBe(201);
    await harness.publish([
      ...ZELDA_EVENTS.slice(0, 3).map((event) => ({ kind: 'event' as const, event })),
      { kind: 'merge', merge: ZELDA_MERGE },
      { kind: 'event', event: ZELDA_EVENTS[3] },
      ...BOB_EVENTS,
    ]);
    await harness.settled(
      new Map([
        [ZELDA, ZELDA_EVENTS.length],
        [BOB, BOB_EVENTS.length],
      ]),
    );
    await eventually(
      () =>
        harness.latest.get(ZELDA_OLD) === null &&
        harness.latest.get(ZELDA)?.audiences.includes(AUDIENCE.id) === true &&
        harness.latest.get(ZELDA)?.customTraits.last_city === 'Zqville',
      60_000,
      'Zelda merged, a buyer, with her last city',
    );
  });

  afterAll(async () => {
    await harness?.close();
  });

  describe('a deletion of a merged profile', () => {
    let status: PrivacyStatus;
    let bobBefore: Record<string, unknown>;

    beforeAll(async () => {
      expect((await harness.api(`/v1/profiles/${ZELDA}`)).status).toBe(200);
      expect(await storeAsJson()).toContain('zelda.quixote@example.com');
      bobBefore = (await harness.api(`/v1/profiles/${BOB}`)).body;
      await harness.publishResolution(resolution({}));
      status = await statusOf('prq_delete_1');
    });

    it('reports done with what it deleted, in counts', () => {
      expect(status).toEqual({
        requestId: 'prq_delete_1',
        service: 'enrichment',
        status: 'done',
        detail: 'deleted 2 profiles, 4 timeline events, 5 identifiers, 1 audience membership',
        at: expect.any(Number) as unknown,
      });
    });

    it('answers 404 for the profile and the one merged into it, on every route', async () => {
      for (const id of [ZELDA, ZELDA_OLD])
        for (const route of ['', '/traits', '/events']) {
          const { status: code } = await harness.api(`/v1/profiles/${id}${route}`);
          expect({ id, route, code }).toEqual({ id, route, code: 404 });
        }
    });

    it('answers 404 for every identifier of the profile', async () => {
      for (const { type, value } of ZELDA_IDENTIFIERS) {
        const identifier = encodeURIComponent(`${type}:${value}`);
        const { status: code } = await harness.api(`/v1/profiles?identifier=${identifier}`);
        expect({ type, code }).toEqual({ type, code: 404 });
      }
    });

    it('lists the profile no more among the audience members', async () => {
      const { status: code, body } = await harness.api(`/v1/audiences/${AUDIENCE.id}/members`);
      expect(code).toBe(200);
      expect(body.members).toEqual([{ profileId: BOB }]);
    });

    it('leaves none of the person in clear text in any collection of the store', async () => {
      const store = await storeAsJson();
      expect(store).toContain('erased_profiles');
      for (const text of ZELDA_TEXT)
        expect({ text, found: store.includes(text) }).toEqual({ text, found: false });
    });

    it('ends both profiles’ keys on the profiles topic with a tombstone, deleted for the live one', async () => {
      await eventually(
        () => harness.tombstoneHeaders.get(ZELDA)?.[TOMBSTONE_HEADERS.reason] === 'deleted',
        30_000,
        'the deleted tombstone',
      );
      expect(harness.latest.get(ZELDA)).toBeNull();
      expect(harness.latest.get(ZELDA_OLD)).toBeNull();
      const last = harness.records.filter((record) => record.profileId === ZELDA).at(-1);
      expect(last).toEqual({ profileId: ZELDA, value: null });
    });

    it('sends the profile’s exit from its audience, after its entry', async () => {
      await eventually(
        () =>
          harness.memberships.some(
            (m) => m.profileId === ZELDA && m.change === 'exited' && m.reason === 'deleted',
          ),
        30_000,
        'the exit',
      );
      const changes = harness.memberships.filter((m) => m.profileId === ZELDA);
      const entered = changes.find((m) => m.change === 'entered');
      const exited = changes.find((m) => m.change === 'exited');
      expect(exited).toMatchObject({ audienceId: AUDIENCE.id, reason: 'deleted' });
      expect(exited!.profileVersion).toBeGreaterThan(entered!.profileVersion);
    });

    it('leaves the other profile as it was', async () => {
      const bob = await harness.api(`/v1/profiles/${BOB}`);
      expect(bob.status).toBe(200);
      expect({ ...bob.body, computed: null }).toEqual({ ...bobBefore, computed: null });
      const events = await harness.api(`/v1/profiles/${BOB}/events`);
      expect((events.body.events as unknown[]).length).toBe(BOB_EVENTS.length);
      expect(harness.latest.get(BOB)?.computed.eventCount).toBe(BOB_EVENTS.length);
    });

    it('does not bring the profile back for its events and merges still on their way', async () => {
      const late = zeldaEvent(ZELDA, {
        identifiers: ZELDA_IDENTIFIERS,
        traits: { firstName: 'Zelda' },
        properties: { revenue: 99, city: 'Zqville' },
      });
      const lateOld = zeldaEvent(ZELDA_OLD, { identifiers: ZELDA_IDENTIFIERS });
      const recordsBefore = zeldaRecords().length;
      // Read in order on one partition with Bob's: Bob's event counted means Zelda's were read.
      await harness.publishInOrder(BOB, [
        { kind: 'event', event: late },
        { kind: 'event', event: lateOld },
        aResolvedOrder(BOB, NOW - DAY),
      ]);
      await harness.publishInOrder(BOB, [
        { kind: 'merge', merge: { ...ZELDA_MERGE, messageId: 'priv-zq-merge-again' } },
        {
          kind: 'merge',
          merge: {
            from: BOB_LATER,
            into: BOB,
            reason: 'user_id:user-bob was in both profiles',
            messageId: 'bob-merge',
            identifiers: [{ type: 'user_id', value: `user-${BOB}` }],
            at: NOW - DAY,
          },
        },
      ]);
      await eventually(
        () =>
          harness.latest.get(BOB)?.computed.eventCount === BOB_EVENTS.length + 1 &&
          harness.latest.get(BOB)?.mergedFrom.includes(BOB_LATER) === true,
        60_000,
        'Bob’s later event and merge',
      );
      expect((await harness.api(`/v1/profiles/${ZELDA}`)).status).toBe(404);
      expect((await harness.api(`/v1/profiles/${ZELDA_OLD}`)).status).toBe(404);
      expect(zeldaRecords().slice(recordsBefore)).toEqual([]);
      expect(await counter('tessera_enrichment_privacy_dropped_total', 'input="event"')).toBe(2);
      expect(await counter('tessera_enrichment_privacy_dropped_total', 'input="merge"')).toBe(1);
      const store = await storeAsJson();
      for (const text of ZELDA_TEXT)
        expect({ text, found: store.includes(text) }).toEqual({ text, found: false });
    });

    it('deletes again what a batch folded while the profile was being deleted', async () => {
      // The batch checked before the deletion marked the profile: it writes it back, then sees it.
      const erased = harness.replicas[0].app.get(ErasedProfilesRepository);
      const spy = jest.spyOn(erased, 'among').mockResolvedValueOnce(new Set());
      const recordsBefore = zeldaRecords().length;
      await harness.publishInOrder(BOB, [
        {
          kind: 'event',
          event: zeldaEvent(ZELDA, {
            identifiers: ZELDA_IDENTIFIERS,
            properties: { revenue: 5, city: 'Zqville' },
          }),
        },
        aResolvedOrder(BOB, NOW - DAY),
      ]);
      await eventually(
        () => harness.latest.get(BOB)?.computed.eventCount === BOB_EVENTS.length + 2,
        60_000,
        'Bob’s next event',
      );
      spy.mockRestore();
      await eventually(
        () => zeldaRecords().length > recordsBefore && harness.latest.get(ZELDA) === null,
        30_000,
        'the profile written back, then its tombstone',
      );
      expect(zeldaRecords().slice(recordsBefore)[0].value).not.toBeNull();
      expect(harness.tombstoneHeaders.get(ZELDA)?.[TOMBSTONE_HEADERS.reason]).toBe('deleted');
      expect(await counter('tessera_enrichment_privacy_redeleted_total')).toBe(1);
      expect((await harness.api(`/v1/profiles/${ZELDA}`)).status).toBe(404);
      const identifier = encodeURIComponent('email:zelda.quixote@example.com');
      expect((await harness.api(`/v1/profiles?identifier=${identifier}`)).status).toBe(404);
      const store = await storeAsJson();
      for (const text of ZELDA_TEXT)
        expect({ text, found: store.includes(text) }).toEqual({ text, found: false });
    });

    it('does it again harmlessly when the resolution is delivered again, and reports the same', async () => {
      const recordsBefore = zeldaRecords().length;
      await harness.publishResolution(resolution({}));
      const again = await statusOf('prq_delete_1', 2);
      expect(again).toMatchObject({ status: 'done', detail: status.detail });
      expect(
        await counter('tessera_enrichment_privacy_requests_total', 'type="delete",status="done"'),
      ).toBe(2);
      expect((await harness.api(`/v1/profiles/${ZELDA}`)).status).toBe(404);
      expect(harness.latest.get(ZELDA)).toBeNull();
      expect(
        zeldaRecords()
          .slice(recordsBefore)
          .every((record) => record.value === null),
      ).toBe(true);
      expect((await harness.api(`/v1/profiles/${BOB}`)).status).toBe(200);
    });
  });

  it('reports done and deletes nothing for a suppress request', async () => {
    const before = await harness.api(`/v1/profiles/${BOB}`);
    await harness.publishResolution(
      resolution({
        requestId: 'prq_suppress_bob',
        type: 'suppress',
        profileId: BOB,
        profileIds: [BOB],
      }),
    );
    expect(await statusOf('prq_suppress_bob')).toMatchObject({
      service: 'enrichment',
      status: 'done',
      detail: 'nothing to delete for a suppress request',
    });
    const after = await harness.api(`/v1/profiles/${BOB}`);
    expect(after.status).toBe(200);
    expect(after.body.version).toBe(before.body.version);
    expect(harness.latest.get(BOB)).not.toBeNull();
  });

  it('reports done with nothing found when the identity service knew no profile', async () => {
    await harness.publishResolution(
      resolution({
        requestId: 'prq_nobody',
        type: 'suppress_with_delete',
        profileId: null,
        profileIds: [],
      }),
    );
    expect(await statusOf('prq_nobody')).toMatchObject({
      service: 'enrichment',
      status: 'done',
      detail: 'nothing found',
    });
    expect((await harness.api(`/v1/profiles/${BOB}`)).status).toBe(200);
  });

  it('reports failed when it cannot delete, then done when a retry can', async () => {
    const eraser = harness.replicas[0].app.get(ProfileEraser);
    const spy = jest
      .spyOn(eraser, 'erase')
      .mockRejectedValueOnce(new TypeError('injected: the store refused'));
    await harness.publishResolution(
      resolution({ requestId: 'prq_retried', profileId: 'p_priv_9', profileIds: ['p_priv_9'] }),
    );
    expect(await statusOf('prq_retried')).toMatchObject({
      status: 'failed',
      detail: 'deletion failed (TypeError)',
    });
    expect(await statusOf('prq_retried', 2)).toMatchObject({
      status: 'done',
      detail: 'nothing found',
    });
    spy.mockRestore();
  });
});
