import { eventually } from '@tessera/testing';
import { ProfilePublisher } from '../src/profiles/profile-publisher';
import { ProfileStoreRepository } from '../src/profiles/profile-store.repository';
import { customerStream } from './customer-stream';
import { EnrichmentHarness } from './enrichment-harness';
import { aResolvedOrder } from './resolved-event';

jest.setTimeout(180_000);

const T0 = Date.UTC(2026, 0, 5, 12);

/**
 * A replica that stops between two steps of a batch leaves the batch to be delivered again. Here
 * the step after the stop fails once instead (the batch is retried in the same process), which
 * leaves the store exactly as a stop there would: every event must still count once, and the
 * profile must still reach the profiles topic.
 */
describe('a batch that fails between its steps and is delivered again', () => {
  let harness: EnrichmentHarness;

  beforeAll(async () => {
    harness = await EnrichmentHarness.start('enrich-crash');
  });

  afterAll(async () => {
    await harness?.close();
    jest.restoreAllMocks();
  });

  /** Makes `method` of the replica's `provider` fail its first `times` calls. */
  function failFirst<T extends object>(
    provider: new (...args: never[]) => T,
    method: keyof T,
    times: number,
  ) {
    const instance = harness.replicas[0].app.get(provider);
    const original = (instance[method] as (...args: unknown[]) => Promise<unknown>).bind(instance);
    let left = times;
    return jest.spyOn(instance, method as never).mockImplementation(((...args: unknown[]) => {
      if (left-- > 0)
        return Promise.reject(new Error(`injected: the replica stops before ${String(method)}`));
      return original(...args);
    }) as never);
  }

  async function foldsExactlyOnce(seed: number): Promise<void> {
    const stream = customerStream(seed, 1, 12);
    const [customer] = stream.customers;
    const single = customer.events.map((event) => ({ ...event, profileId: customer.survivor }));
    await harness.publish(single.map((event) => ({ kind: 'event' as const, event })));
    await harness.settled(new Map([[customer.survivor, single.length]]));
    // The timeline entries are stored after the snapshot is out: they may come a little later.
    const expected = single.map((event) => event.messageId).sort();
    let ids: string[] = [];
    await eventually(
      async () => {
        const timeline = await harness.api(`/v1/profiles/${customer.survivor}/events?limit=200`);
        ids = (timeline.body.events as { messageId: string }[]).map((e) => e.messageId).sort();
        return ids.length >= expected.length;
      },
      30_000,
      'every event on the timeline',
    );
    expect(ids).toEqual(expected);
    // Settled means the count reached the events; a double count would go past it.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(harness.latest.get(customer.survivor)?.computed.eventCount).toBe(single.length);
  }

  it('counts each event once when it stopped after writing the profile, before publishing it', async () => {
    const spy = failFirst(ProfilePublisher, 'publish', 1);
    await foldsExactlyOnce(101);
    expect(spy.mock.calls.length).toBeGreaterThan(1);
    spy.mockRestore();
  });

  it('counts each event once when it stopped after publishing, before the timeline entries', async () => {
    const spy = failFirst(ProfileStoreRepository, 'insertTimeline', 1);
    await foldsExactlyOnce(102);
    expect(spy.mock.calls.length).toBeGreaterThan(1);
    spy.mockRestore();
  });

  it('counts each event once when it stopped before the identifier links', async () => {
    const spy = failFirst(ProfileStoreRepository, 'linkIdentifiers', 1);
    await foldsExactlyOnce(103);
    // Every anonymous id of the profile finds it, though the first attempt wrote no link.
    const anonymous = new Set(
      customerStream(103, 1, 12)
        .customers[0].events.flatMap((event) => event.identifiers)
        .filter((identifier) => identifier.type === 'anonymous_id')
        .map((identifier) => identifier.value),
    );
    expect(anonymous.size).toBeGreaterThan(1);
    for (const value of anonymous) {
      const found = await harness.api(`/v1/profiles?identifier=anonymous_id:${value}`);
      expect(found.body.profileId).toBe('p_103_0_0');
    }
    spy.mockRestore();
  });

  it('counts once an event whose two copies name two profiles (resolved around a merge), when the batch holding both stopped after its first write', async () => {
    const [from, into] = ['p_copies_from', 'p_copies_into'];
    const { event: order } = aResolvedOrder(from, T0);
    const copy = { ...order, profileId: into };
    // Both copies in one batch of one partition, as identity keys them; the batch stops before
    // its timeline entries and is then retried one record at a time.
    const spy = failFirst(ProfileStoreRepository, 'insertTimeline', 1);
    await harness.publishEvents([order, copy]);
    const { event: own } = aResolvedOrder(into, T0 + 1);
    await harness.publish([
      { kind: 'event', event: own },
      {
        kind: 'merge',
        merge: {
          from,
          into,
          reason: 'test',
          messageId: 'merge-copies',
          identifiers: order.identifiers,
          at: T0 + 2,
        },
      },
    ]);
    // Read after the copies on their partition: counted means the copies were read.
    const { event: last } = aResolvedOrder(into, T0 + 3, {
      userId: order.userId,
      identifiers: order.identifiers,
    });
    await harness.publishEvents([last]);
    await eventually(
      () =>
        harness.latest.get(from) === null &&
        harness.latest.get(into)?.mergedFrom.includes(from) === true &&
        (harness.latest.get(into)?.computed.eventCount ?? 0) >= 3,
      60_000,
      'the copies, the merge and the last event folded',
    );
    expect(spy.mock.calls.length).toBeGreaterThan(1);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const { computed } = harness.latest.get(into) ?? { computed: null };
    expect(computed).toMatchObject({ eventCount: 3, orderCount: 3, revenueTotal: 30 });
    spy.mockRestore();
  });

  it('does not let the failures reach the dead-letter topic', async () => {
    expect(harness.deadLetters).toEqual([]);
  });
});
