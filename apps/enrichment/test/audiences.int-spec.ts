import type { ResolvedEvent } from '@tessera/contracts';
import { DAY_MS } from '@tessera/profile';
import { eventually } from '@tessera/testing';
import { AudienceEvaluation } from '../src/audiences/audience-evaluation';
import { EnrichmentHarness } from './enrichment-harness';
import { aResolvedOrder } from './resolved-event';

jest.setTimeout(180_000);

const NOW = Date.now();
/** An order (or, with `fields`, another call) of one profile, `daysAgo` days before now, from Germany. */
const call = (profileId: string, daysAgo: number, fields: Partial<ResolvedEvent> = {}) =>
  aResolvedOrder(profileId, NOW - daysAgo * DAY_MS, {
    context: { traits: { country: 'Germany' } },
    ...fields,
  });

const BUYERS = {
  id: 'de-buyers',
  name: 'German repeat buyers',
  condition: {
    and: [
      { event: 'Order Completed', withinDays: 30, op: 'gte', value: 3 },
      { trait: 'country', op: 'eq', value: 'DE' },
    ],
  },
};

describe('audiences', () => {
  let harness: EnrichmentHarness;

  beforeAll(async () => {
    harness = await EnrichmentHarness.start('audiences', 1, {
      AUDIENCE_REFRESH_MS: '200',
      AUDIENCE_EVALUATION_CHECK_MS: '200',
    });
    expect((await harness.request('POST', '/v1/audiences', BUYERS)).status).toBe(201);
  });

  afterAll(async () => {
    await harness?.close();
  });

  const changesOf = (profileId: string, audienceId: string) =>
    harness.memberships
      .filter((m) => m.profileId === profileId && m.audienceId === audienceId)
      .map((m) => `${m.change}:${m.reason}`);

  it('lets a profile enter when an event makes it meet the condition, and keeps others out', async () => {
    const consenting = {
      context: { traits: { country: 'Germany' }, consent: { categoryPreferences: { ads: true } } },
    };
    await harness.publish([
      call('p_buyer', 1, consenting),
      call('p_buyer', 5),
      call('p_buyer', 29),
    ]);
    await harness.publish([call('p_two', 1), call('p_two', 2), call('p_two', 40)]);
    await harness.settled(
      new Map([
        ['p_buyer', 3],
        ['p_two', 3],
      ]),
    );
    await eventually(() => changesOf('p_buyer', 'de-buyers').length > 0, 30_000, 'entered');
    expect(changesOf('p_buyer', 'de-buyers')).toEqual(['entered:condition']);
    // The change carries the profile's consent, for subscribers that require some.
    expect(harness.memberships.find((m) => m.profileId === 'p_buyer')?.consent).toEqual({
      ads: true,
    });
    expect(changesOf('p_two', 'de-buyers')).toEqual([]);
    expect(harness.latest.get('p_buyer')?.audiences).toEqual(['de-buyers']);
    expect(harness.latest.get('p_two')?.audiences).toEqual([]);
    const members = await harness.api('/v1/audiences/de-buyers/members');
    expect(members).toEqual({
      status: 200,
      body: { audienceId: 'de-buyers', members: [{ profileId: 'p_buyer' }], next: null },
    });
  });

  it('backfills a new audience over the profiles that exist', async () => {
    const created = await harness.request('POST', '/v1/audiences', {
      id: 'big-spenders',
      name: 'Big spenders',
      condition: { computed: 'revenueTotal', op: 'gte', value: 30 },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: 'big-spenders',
      dependsOnTime: false,
      evaluated: false,
    });
    await eventually(
      async () => (await harness.api('/v1/audiences/big-spenders')).body.evaluated === true,
      30_000,
      'the backfill ran',
    );
    expect(changesOf('p_buyer', 'big-spenders')).toEqual(['entered:definition']);
    expect(changesOf('p_two', 'big-spenders')).toEqual(['entered:definition']);
    const members = await harness.api('/v1/audiences/big-spenders/members?limit=1');
    expect(members.body.members).toEqual([{ profileId: 'p_buyer' }]);
    const rest = await harness.api(
      `/v1/audiences/big-spenders/members?limit=1&cursor=${String(members.body.next)}`,
    );
    expect(rest.body).toMatchObject({ members: [{ profileId: 'p_two' }], next: null });
  });

  it('lets a profile leave a time-window audience as days pass without a new event', async () => {
    const evaluation = harness.replicas[0].app.get(AudienceEvaluation);
    // The buyer's third order in the window is 29 days old: two days on it is out of the window.
    await evaluation.evaluateAll(NOW + 2 * DAY_MS, 'condition');
    await eventually(() => changesOf('p_buyer', 'de-buyers').length === 2, 30_000, 'exited');
    expect(changesOf('p_buyer', 'de-buyers')).toEqual(['entered:condition', 'exited:condition']);
    expect(harness.latest.get('p_buyer')?.audiences).toEqual(['big-spenders']);
  });

  it('lets every member leave an audience that is deleted', async () => {
    expect((await harness.request('DELETE', '/v1/audiences/big-spenders')).status).toBe(204);
    // Both exits are published, keyed by profile: they may reach this reader on different
    // partitions at different times.
    await eventually(
      () =>
        ['p_two', 'p_buyer'].every((id) =>
          changesOf(id, 'big-spenders').includes('exited:definition'),
        ),
      30_000,
      'members left the deleted audience',
    );
    expect(changesOf('p_buyer', 'big-spenders')).toEqual([
      'entered:definition',
      'exited:definition',
    ]);
    expect((await harness.api('/v1/audiences/big-spenders')).status).toBe(404);
  });

  it('lets a merged-away profile leave its audiences; the survivor is evaluated on its own', async () => {
    await harness.request('POST', '/v1/audiences', {
      id: 'ordered',
      name: 'Ordered once',
      condition: { computed: 'orderCount', op: 'gte', value: 1 },
    });
    await eventually(
      async () => (await harness.api('/v1/audiences/ordered')).body.evaluated === true,
      30_000,
      'evaluated',
    );
    await harness.publish([
      {
        kind: 'merge',
        merge: {
          from: 'p_two',
          into: 'p_buyer',
          reason: 'test',
          messageId: 'merge-two',
          identifiers: [],
          at: NOW,
        },
      },
    ]);
    await eventually(() => harness.latest.get('p_two') === null, 30_000, 'tombstone');
    await eventually(
      () => changesOf('p_two', 'ordered').includes('exited:merged'),
      30_000,
      'exited',
    );
    // The merged-away profile's exit carries its person's consent: the survivor's now.
    const exit = harness.memberships.find(
      (m) => m.profileId === 'p_two' && m.audienceId === 'ordered' && m.reason === 'merged',
    );
    expect(exit?.consent).toEqual({ ads: true });
    // Evaluated now (not two days on): with both profiles' orders it is a German repeat buyer again.
    await eventually(
      () => harness.latest.get('p_buyer')?.mergedFrom.includes('p_two') === true,
      30_000,
      'the survivor published',
    );
    expect(harness.latest.get('p_buyer')?.audiences).toEqual(['de-buyers', 'ordered']);
  });

  it('re-evaluates time-window audiences once when a new UTC day begins', async () => {
    const evaluation = harness.replicas[0].app.get(AudienceEvaluation);
    const later = NOW + 45 * DAY_MS;
    await eventually(
      () => changesOf('p_buyer', 'de-buyers').at(-1)?.startsWith('entered:') === true,
      30_000,
      'the buyer is in before the day turns',
    );
    // Due: a new day and an audience with an event window; then done for that day.
    expect(await evaluation.runIfDue(later)).toBe(true);
    expect(await evaluation.runIfDue(later)).toBe(false);
    await eventually(
      () => changesOf('p_buyer', 'de-buyers').at(-1) === 'exited:condition',
      30_000,
      'the buyer left as its orders aged out of the window',
    );
    expect(harness.latest.get('p_buyer')?.audiences).toEqual(['ordered']);
  });

  it('refuses a condition it cannot use, naming where the problem is', async () => {
    const answer = await harness.request('POST', '/v1/audiences', {
      name: 'bad',
      condition: { and: [{ trait: 'country', op: 'equals', value: 'DE' }] },
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ success: false, error: 'invalid_request' });
    expect(String(answer.body.message)).toContain('condition.and[0].op');
  });

  it('refuses an event window longer than the per-day counts are kept', async () => {
    const answer = await harness.request('POST', '/v1/audiences', {
      name: 'long',
      condition: { event: 'Order Completed', withinDays: 365, op: 'gte', value: 1 },
    });
    expect(answer.status).toBe(400);
    expect(String(answer.body.message)).toContain('ENRICHMENT_DAILY_RETENTION_DAYS');
  });

  it('refuses a second audience with the same id', async () => {
    const answer = await harness.request('POST', '/v1/audiences', BUYERS);
    expect(answer).toMatchObject({ status: 409, body: { error: 'conflict' } });
  });

  it('answers 404 for an unknown audience and 401 without the token', async () => {
    expect((await harness.api('/v1/audiences/nope/members')).status).toBe(404);
    expect((await harness.api('/v1/audiences', null)).status).toBe(401);
  });
});
