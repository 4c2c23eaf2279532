import { TOMBSTONE_HEADERS, TOPICS, type ProfileSnapshot } from '@tessera/contracts';
import { computedTraits, type ProfileState } from '@tessera/profile';
import { eventually } from '@tessera/testing';
import { customerStream, referenceProfile, shuffled, type CustomerStream } from './customer-stream';
import { EnrichmentHarness } from './enrichment-harness';

jest.setTimeout(240_000);

const SEED = Number(process.env.ENRICHMENT_STREAM_SEED ?? 5);

/** The parts of a snapshot that are the profile itself (not when or in which order it was written). */
function profileOf(snapshot: ProfileSnapshot | null | undefined) {
  if (!snapshot) return snapshot;
  return {
    identifiers: snapshot.identifiers,
    traits: snapshot.traits,
    computed: snapshot.computed,
    consent: snapshot.consent,
    device: snapshot.device,
    mergedFrom: [...snapshot.mergedFrom].sort(),
  };
}

/** What the sequential reference says the snapshot must hold. */
function expectedOf(state: ProfileState, mergedAway: string[]) {
  const { daysSinceLastSeen: _relative, ...computed } = computedTraits(state, 0);
  return {
    identifiers: state.identifiers,
    traits: Object.fromEntries(
      Object.entries(state.traits).map(([name, { value, at, source, messageId }]) => [
        name,
        { value, at, source, messageId },
      ]),
    ),
    computed,
    consent: state.consent,
    device: state.device && withoutMessageId(state.device),
    mergedFrom: [...mergedAway].sort(),
  };
}

function withoutMessageId<T extends { messageId: string }>({ messageId: _id, ...rest }: T) {
  return rest;
}

async function settle(harness: EnrichmentHarness, stream: CustomerStream): Promise<void> {
  await harness.settled(
    new Map(stream.customers.map((customer) => [customer.survivor, customer.events.length])),
  );
  await eventually(
    () =>
      stream.customers.every((customer) =>
        customer.mergedAway.every(
          (id) => harness.latest.has(id) && harness.latest.get(id) === null,
        ),
      ),
    60_000,
    'a tombstone for every merged-away profile',
  );
}

describe('enrichment folds resolved events and merges into profiles', () => {
  const stream = customerStream(SEED, 12, 25);
  let inOrder: EnrichmentHarness;
  let shuffledRun: EnrichmentHarness;

  beforeAll(async () => {
    inOrder = await EnrichmentHarness.start('enrich-order');
    shuffledRun = await EnrichmentHarness.start('enrich-shuffle', 2);
    // The same stream twice over (every event and merge redelivered), and once shuffled.
    await inOrder.publish(stream.inputs);
    await inOrder.publish(stream.inputs);
    await shuffledRun.publish(shuffled(stream.inputs, SEED));
    await settle(inOrder, stream);
    await settle(shuffledRun, stream);
  });

  afterAll(async () => {
    await inOrder?.close();
    await shuffledRun?.close();
  });

  it('gives every customer the profile a sequential fold of their events gives, delivered twice over', () => {
    for (const customer of stream.customers)
      expect(profileOf(inOrder.latest.get(customer.survivor))).toEqual(
        expectedOf(referenceProfile(customer, inOrder.config.fold), customer.mergedAway),
      );
  });

  it('gives the same profiles when the events and merges arrive shuffled, on two replicas', () => {
    for (const customer of stream.customers)
      expect(profileOf(shuffledRun.latest.get(customer.survivor))).toEqual(
        profileOf(inOrder.latest.get(customer.survivor)),
      );
  });

  it('leaves a tombstone as the latest record of every merged-away profile', () => {
    const merged = stream.customers.flatMap((customer) => customer.mergedAway);
    expect(merged.length).toBeGreaterThan(0);
    for (const id of merged) expect(inOrder.latest.get(id)).toBeNull();
  });

  it('says in the headers of each tombstone that the profile was merged, and into which', () => {
    for (const customer of stream.customers)
      for (const id of customer.mergedAway) {
        const headers = inOrder.tombstoneHeaders.get(id);
        expect(headers?.[TOMBSTONE_HEADERS.reason]).toBe('merged');
        expect([customer.survivor, ...customer.mergedAway]).toContain(
          headers?.[TOMBSTONE_HEADERS.mergedInto],
        );
        expect(headers?.[TOMBSTONE_HEADERS.mergedInto]).not.toBe(id);
      }
  });

  it('lists what changed in each record', () => {
    const first = inOrder.records.find((record) => record.value !== null)?.value;
    expect(first?.changed).toEqual(expect.arrayContaining(['identifiers', 'computed.eventCount']));
    const merges = inOrder.records.filter((record) => record.value?.changed.includes('mergedFrom'));
    expect(merges.length).toBeGreaterThan(0);
  });

  it('stores each event once on the timeline of the profile it ended up in', async () => {
    const customer = stream.customers[0];
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=7&cursor=${cursor}` : '?limit=7';
      const { status, body } = await inOrder.api(
        `/v1/profiles/${customer.survivor}/events${query}`,
      );
      expect(status).toBe(200);
      const events = body.events as { messageId: string; at: string }[];
      expect(events.length).toBeLessThanOrEqual(7);
      seen.push(...events.map((event) => event.messageId));
      cursor = body.next as string | null;
    } while (cursor);
    expect(seen.sort()).toEqual(customer.events.map((event) => event.messageId).sort());
  });

  it('parks an undecodable record on the dead-letter topic and goes on', async () => {
    await inOrder.publishRaw(TOPICS.resolvedEvents, Buffer.from('not avro'));
    await eventually(() => inOrder.deadLetters.length > 0, 60_000, 'a dead letter');
    expect(inOrder.deadLetters[0].reason).toMatch(/decode|schema|corrupt/);
  });
});
