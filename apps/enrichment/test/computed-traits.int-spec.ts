import { DAY_MS } from '@tessera/profile';
import { eventually } from '@tessera/testing';
import { EnrichmentHarness } from './enrichment-harness';
import { aResolvedOrder } from './resolved-event';

jest.setTimeout(180_000);

const NOW = Date.now();
let skus = 0;

/** An order of one profile `daysAgo` days before now, with a revenue and a new sku, or neither. */
function order(profileId: string, daysAgo: number, revenue: number | null) {
  skus += 1;
  return aResolvedOrder(profileId, NOW - daysAgo * DAY_MS, {
    properties: revenue === null ? { coupon: 'none' } : { revenue, sku: `sku-${skus}` },
  });
}

describe('user-defined computed traits', () => {
  let harness: EnrichmentHarness;
  const custom = (profileId: string) => harness.latest.get(profileId)?.customTraits ?? {};

  beforeAll(async () => {
    harness = await EnrichmentHarness.start('computed-traits', 1, {
      AUDIENCE_REFRESH_MS: '200',
      AUDIENCE_EVALUATION_CHECK_MS: '200',
    });
  });

  afterAll(async () => {
    await harness?.close();
  });

  it('backfills a new trait over the history of the profiles that exist', async () => {
    await harness.publish([
      order('p_old', 40, 100),
      order('p_old', 10, 20.1),
      order('p_old', 2, 30.2),
      order('p_old', 1, null),
    ]);
    await harness.settled(new Map([['p_old', 4]]));
    for (const definition of [
      { id: 'orders_30d', event: 'Order Completed', aggregate: 'count', withinDays: 30 },
      {
        id: 'revenue_30d',
        event: 'Order Completed',
        property: 'revenue',
        aggregate: 'sum',
        withinDays: 30,
      },
      { id: 'revenue_max', event: 'Order Completed', property: 'revenue', aggregate: 'max' },
      { id: 'last_sku', event: 'Order Completed', property: 'sku', aggregate: 'last' },
    ]) {
      const created = await harness.request('POST', '/v1/computed-traits', definition);
      expect(created.status).toBe(201);
    }
    await eventually(
      async () => (await harness.api('/v1/computed-traits/last_sku')).body.evaluated === true,
      30_000,
      'backfill ran',
    );
    await eventually(
      () => 'last_sku' in custom('p_old'),
      30_000,
      'the backfilled profile published',
    );
    expect(custom('p_old')).toEqual({
      orders_30d: 3,
      revenue_30d: 50.3,
      revenue_max: 100,
      last_sku: `sku-3`,
    });
  });

  it('folds new events into the traits as they arrive', async () => {
    await harness.publish([order('p_old', 0, 9.7)]);
    await eventually(() => custom('p_old').orders_30d === 4, 30_000, 'the new order counted');
    expect(custom('p_old')).toMatchObject({
      revenue_30d: 60,
      revenue_max: 100,
      last_sku: `sku-${skus}`,
    });
    const api = await harness.api('/v1/profiles/p_old');
    expect(api.body.customTraits).toEqual(custom('p_old'));
  });

  it('gives a profile created after the trait its value from its first event', async () => {
    await harness.publish([order('p_new', 3, 5)]);
    await eventually(() => custom('p_new').orders_30d === 1, 30_000, 'the new profile counted');
    expect(custom('p_new')).toMatchObject({ revenue_30d: 5, revenue_max: 5 });
  });

  it('lets an audience select on a computed trait', async () => {
    const created = await harness.request('POST', '/v1/audiences', {
      id: 'frequent',
      name: 'Three orders in 30 days',
      condition: { custom: 'orders_30d', op: 'gte', value: 3 },
    });
    expect(created.status).toBe(201);
    await eventually(
      async () => (await harness.api('/v1/audiences/frequent')).body.evaluated === true,
      30_000,
      'audience evaluated',
    );
    const members = await harness.api('/v1/audiences/frequent/members');
    expect(members.body.members).toEqual([{ profileId: 'p_old' }]);
  });

  it('drops a deleted trait from every profile', async () => {
    expect((await harness.request('DELETE', '/v1/computed-traits/revenue_max')).status).toBe(204);
    await eventually(
      () => !('revenue_max' in custom('p_old')) && !('revenue_max' in custom('p_new')),
      30_000,
      'dropped',
    );
    expect((await harness.api('/v1/computed-traits/revenue_max')).status).toBe(404);
  });

  it('starts afresh when a deleted trait is defined again under its id', async () => {
    const again = await harness.request('POST', '/v1/computed-traits', {
      id: 'revenue_max',
      event: 'Order Completed',
      aggregate: 'count',
    });
    expect(again.status).toBe(201);
    // All time, every order of the profile's history, and none of the old maximum's buckets.
    await eventually(() => custom('p_old').revenue_max === 5, 30_000, 'backfilled as a count');
    expect(custom('p_new').revenue_max).toBe(1);
  });

  it('refuses a definition it cannot use, naming the field', async () => {
    const answer = await harness.request('POST', '/v1/computed-traits', {
      id: 'Bad Id',
      event: 'Order Completed',
      aggregate: 'count',
    });
    expect(answer.status).toBe(400);
    expect(String(answer.body.message)).toMatch(/^id:/);
    const sum = await harness.request('POST', '/v1/computed-traits', {
      id: 'total',
      event: 'Order Completed',
      aggregate: 'sum',
    });
    expect(String(sum.body.message)).toMatch(/^property:/);
  });

  it('refuses a second trait with the same id', async () => {
    const answer = await harness.request('POST', '/v1/computed-traits', {
      id: 'orders_30d',
      event: 'Order Completed',
      aggregate: 'count',
      withinDays: 7,
    });
    expect(answer).toMatchObject({ status: 409, body: { error: 'conflict' } });
  });
});
