import { AvroCodec, TOPICS, type RejectedEvent } from '@tessera/contracts';
import { anEvent, eventually } from '@tessera/testing';
import { Partitioners, type Producer } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { IngestionHarness } from './ingestion-harness';

const WRITE_KEY_HEADER = 'tessera-write-key';

interface RawRecord {
  value: Buffer;
  writeKey?: string;
  /** Records with one key land on one partition, in the order they were produced. */
  key?: string;
}

describe('direct Kafka ingest from the raw-events topic', () => {
  let harness: IngestionHarness;
  let producer: Producer;
  let source: { id: string; writeKey: string };
  const codec = new AvroCodec();

  beforeAll(async () => {
    harness = await IngestionHarness.start('kafka-ingest');
    source = await harness.createSource();
    producer = harness.run.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
  }, 60_000);

  afterAll(async () => {
    await producer.disconnect();
    await harness.close();
  });

  async function produce(...records: RawRecord[]): Promise<void> {
    await producer.send({
      topic: harness.run.topics.resolve(TOPICS.rawEvents),
      acks: -1,
      messages: records.map(({ value, writeKey, key }) => ({
        key: key ?? null,
        value,
        headers: writeKey === undefined ? {} : { [WRITE_KEY_HEADER]: writeKey },
      })),
    });
  }

  const json = (value: unknown) => Buffer.from(JSON.stringify(value));

  const acceptedWith = (messageId: string) =>
    eventually(() => harness.accepted.find((e) => e.messageId === messageId));

  const rejectedWith = (payload: Buffer): Promise<RejectedEvent> =>
    eventually(() => harness.rejected.find((r) => r.payload.equals(payload)));

  async function metric(labels: string): Promise<number> {
    const text = await (await fetch(`${harness.url}/metrics`)).text();
    const line = text
      .split('\n')
      .find((l) => l.startsWith(`tessera_ingestion_events_total{${labels}`));
    return line ? Number(line.split(' ').pop()) : 0;
  }

  describe('records it accepts', () => {
    it('accepts a JSON call with the write key in the tessera-write-key header', async () => {
      const messageId = randomUUID();
      await produce({
        value: json({
          type: 'track',
          userId: 'k-user',
          event: 'Order Completed',
          properties: { revenue: 10 },
          messageId,
        }),
        writeKey: source.writeKey,
      });
      expect(await acceptedWith(messageId)).toMatchObject({
        type: 'track',
        userId: 'k-user',
        event: 'Order Completed',
        properties: { revenue: 10 },
        sourceId: source.id,
      });
    });

    it('accepts a JSON batch record with batch-level context', async () => {
      const ids = [randomUUID(), randomUUID()];
      await produce({
        value: json({
          context: { library: { name: 'kafka-producer' } },
          batch: [
            { type: 'identify', userId: 'k-batch', traits: { plan: 'pro' }, messageId: ids[0] },
            { type: 'page', anonymousId: 'k-anon', name: 'Pricing', messageId: ids[1] },
          ],
        }),
        writeKey: source.writeKey,
      });
      const events = await Promise.all(ids.map(acceptedWith));
      expect(events).toMatchObject([
        { type: 'identify', traits: { plan: 'pro' }, sourceId: source.id },
        { type: 'page', name: 'Pricing', sourceId: source.id },
      ]);
      expect(events.map((e) => e.context)).toEqual([
        { library: { name: 'kafka-producer' } },
        { library: { name: 'kafka-producer' } },
      ]);
    });

    it('accepts a contract Avro Event and sets the source of the write key', async () => {
      const event = anEvent({ sourceId: 'someone-else', userId: 'k-avro' });
      await produce({ value: codec.encode('Event', event), writeKey: source.writeKey });
      expect(await acceptedWith(event.messageId)).toMatchObject({
        type: 'track',
        userId: 'k-avro',
        event: event.event,
        properties: event.properties,
        sourceId: source.id,
      });
    });

    it('stamps an Avro Event with the time ingestion received it', async () => {
      const before = Date.now();
      const event = anEvent({ userId: 'k-avro-time', receivedAt: 1_000 });
      await produce({ value: codec.encode('Event', event), writeKey: source.writeKey });
      expect((await acceptedWith(event.messageId)).receivedAt).toBeGreaterThanOrEqual(before);
    });
  });

  describe('records it rejects', () => {
    it('rejects a record without the write-key header as unknown_source with its bytes', async () => {
      const value = json({ type: 'track', userId: 'u', event: 'No Key', messageId: randomUUID() });
      await produce({ value });
      expect(await rejectedWith(value)).toMatchObject({
        reason: 'unknown_source',
        sourceId: null,
        channel: 'kafka',
      });
    });

    it('rejects a record with an unknown write key as unknown_source with its bytes', async () => {
      const value = json({ type: 'track', userId: 'u', event: 'Bad Key', messageId: randomUUID() });
      await produce({ value, writeKey: 'tsk_not-a-real-key' });
      expect(await rejectedWith(value)).toMatchObject({
        reason: 'unknown_source',
        sourceId: null,
        channel: 'kafka',
      });
    });

    it('rejects a record that is neither JSON nor Avro as invalid_json with its bytes', async () => {
      const value = Buffer.from(`garbage ${randomUUID()} \u0001\u0002`);
      await produce({ value, writeKey: source.writeKey });
      expect(await rejectedWith(value)).toMatchObject({
        reason: 'invalid_json',
        sourceId: source.id,
        channel: 'kafka',
      });
    });

    it('rejects a truncated Avro record as undecodable with its bytes', async () => {
      const whole = codec.encode('Event', anEvent({ userId: `k-${randomUUID()}` }));
      const value = whole.subarray(0, whole.length - 7);
      await produce({ value, writeKey: source.writeKey });
      expect(await rejectedWith(value)).toMatchObject({
        reason: 'undecodable',
        sourceId: source.id,
        channel: 'kafka',
      });
    });

    it('rejects a record with an invalid event as invalid_event, keeping the record value as produced', async () => {
      const messageId = randomUUID();
      // Spaced as Python's json.dumps writes it: the rejection must keep these exact bytes.
      const value = Buffer.from(
        `{"type": "track", "event": "Orphan", "messageId": "${messageId}"}`,
      );
      await produce({ value, writeKey: source.writeKey });
      const rejection = await eventually(() =>
        harness.rejected.find((r) => r.messageId === messageId),
      );
      expect(rejection).toMatchObject({
        reason: 'invalid_event',
        sourceId: source.id,
        channel: 'kafka',
        errors: [{ path: 'userId' }],
      });
      expect(rejection.payload.toString()).toBe(value.toString());
    });

    it('rejects an Avro track Event without an event name as invalid_event', async () => {
      const event = anEvent({ userId: 'k-avro-nameless', event: null });
      await produce({ value: codec.encode('Event', event), writeKey: source.writeKey });
      // Whichever topic it lands on, the test ends there.
      const outcome = await eventually(
        () =>
          harness.rejected.find((r) => r.messageId === event.messageId) ??
          harness.accepted.find((e) => e.messageId === event.messageId),
      );
      expect(outcome).toMatchObject({ reason: 'invalid_event', errors: [{ path: 'event' }] });
    });

    it('accepts a good record produced after bad ones on the same partition', async () => {
      const key = `ordering-${randomUUID()}`;
      const bad = [
        { value: json({ userId: 'u', event: 'x', type: 'track', n: randomUUID() }), key },
        {
          value: json({ userId: 'u', event: 'x', type: 'track', n: randomUUID() }),
          key,
          writeKey: 'tsk_nope',
        },
        { value: Buffer.from(`not json ${randomUUID()}`), key, writeKey: source.writeKey },
        { value: json({ type: 'track', n: randomUUID() }), key, writeKey: source.writeKey },
      ];
      const messageId = randomUUID();
      const good = json({ type: 'track', userId: 'u', event: 'After', messageId });
      await produce(...bad, { value: good, key, writeKey: source.writeKey });
      expect(await acceptedWith(messageId)).toMatchObject({ event: 'After', sourceId: source.id });
      const rejections = await Promise.all(bad.map((record) => rejectedWith(record.value)));
      expect(rejections.map((r) => r.reason)).toEqual([
        'unknown_source',
        'unknown_source',
        'invalid_json',
        'invalid_event',
      ]);
    });
  });

  describe('deduplication across channels', () => {
    it('does not forward again over Kafka a messageId already accepted over HTTP', async () => {
      const messageId = randomUUID();
      const userId = `dedupe-${randomUUID()}`;
      const call = { type: 'track', userId, event: 'Paid', messageId };
      expect((await harness.post('/v1/track', source.writeKey, call)).body).toMatchObject({
        accepted: 1,
      });
      const labels = `source="${source.id}",channel="kafka",outcome="deduplicated"`;
      const duplicatesBefore = await metric(labels);
      await produce({ value: json(call), writeKey: source.writeKey });
      await eventually(async () => (await metric(labels)) > duplicatesBefore);
      // A marker of the same user shares the accepted partition: once it is read, so is any copy.
      const marker = randomUUID();
      await harness.post('/v1/track', source.writeKey, {
        userId,
        event: 'Marker',
        messageId: marker,
      });
      await acceptedWith(marker);
      expect(harness.accepted.filter((e) => e.messageId === messageId)).toHaveLength(1);
    });

    it('answers an HTTP call with a messageId already accepted over Kafka as a duplicate', async () => {
      const messageId = randomUUID();
      const call = { type: 'track', userId: 'k-first', event: 'Paid', messageId };
      await produce({ value: json(call), writeKey: source.writeKey });
      await acceptedWith(messageId);
      const response = await harness.post('/v1/track', source.writeKey, call);
      expect(response).toMatchObject({
        status: 200,
        body: { success: true, accepted: 0, duplicates: 1 },
      });
    });
  });
});
