import { TOPICS } from '@tessera/contracts';
import { KafkaPublisher } from '@tessera/platform-kafka';
import { eventually, PrometheusScrape } from '@tessera/testing';
import { randomUUID } from 'node:crypto';
import { IngestionHarness } from './ingestion-harness';

describe("ingestion's /metrics: events in, out and rejected by reason", () => {
  let harness: IngestionHarness;
  let source: { id: string; writeKey: string };
  const ids = { good: [randomUUID(), randomUUID()], bad: randomUUID(), raw: randomUUID() };

  beforeAll(async () => {
    harness = await IngestionHarness.start('ingestion-metrics');
    source = await harness.createSource();
    const response = await harness.post('/v1/batch', source.writeKey, {
      batch: [
        { type: 'track', userId: 'm-1', event: 'Signed Up', messageId: ids.good[0] },
        { type: 'identify', userId: 'm-2', traits: { plan: 'pro' }, messageId: ids.good[1] },
        { type: 'track', event: 'Orphan', messageId: ids.bad },
      ],
    });
    // A batch with a rejected event is answered 400; the valid ones are accepted.
    expect(response.body).toMatchObject({ accepted: 2 });
    // A record on the raw-events topic without a write key: rejected as unknown_source.
    const producer = new KafkaPublisher(harness.run.kafka);
    await producer.connect();
    await producer.publish({
      [harness.run.topics.resolve(TOPICS.rawEvents)]: [
        { key: 'raw', value: Buffer.from(JSON.stringify({ type: 'track', messageId: ids.raw })) },
      ],
    });
    await producer.disconnect();
    await eventually(() => harness.rejected.length === 2, 30_000, 'both rejections recorded');
  }, 60_000);

  afterAll(() => harness?.close());

  const scrape = () => PrometheusScrape.of(harness.url);

  it('counts HTTP events by outcome and rejection reason', async () => {
    const after = await scrape();
    const events = (labels: Record<string, string>) =>
      after.sum('tessera_ingestion_events_total', {
        source: source.id,
        channel: 'http',
        ...labels,
      });
    expect(events({ outcome: 'accepted' })).toBe(2);
    expect(events({ outcome: 'rejected', reason: 'invalid_event' })).toBe(1);
  });

  it('counts the records published to the accepted and rejected topics', async () => {
    const after = await scrape();
    const out = (topic: string) =>
      after.sum('tessera_kafka_producer_records_total', {
        topic: harness.run.topics.resolve(topic),
      });
    expect(out(TOPICS.acceptedEvents)).toBe(2);
    expect(out(TOPICS.rejectedEvents)).toBe(2);
    expect(after.sum('tessera_kafka_producer_failed_records_total')).toBe(0);
  });

  it('counts a raw record consumed from Kafka and rejected, with the lag of its partition', async () => {
    const topic = harness.run.topics.resolve(TOPICS.rawEvents);
    const counted = await eventually(async () => {
      const scraped = await scrape();
      return scraped.sum('tessera_kafka_consumer_records_total', { topic }) === 1 && scraped;
    });
    expect(
      counted.sum('tessera_ingestion_events_total', {
        channel: 'kafka',
        outcome: 'rejected',
        reason: 'unknown_source',
      }),
    ).toBe(1);
    const [consumed] = counted.find('tessera_kafka_consumer_records_total', { topic });
    expect(
      counted.find('tessera_kafka_consumer_lag', { topic, partition: consumed.labels.partition }),
    ).toEqual([expect.objectContaining({ value: 0 })]);
  });

  it('times the collection API by route and status', async () => {
    const after = await scrape();
    expect(
      after.sum('tessera_http_request_duration_seconds_count', {
        method: 'POST',
        route: '/v1/batch',
        status_code: '400',
      }),
    ).toBe(1);
    expect(after.find('tessera_ingestion_process_cpu_user_seconds_total')).toHaveLength(1);
  });
});
