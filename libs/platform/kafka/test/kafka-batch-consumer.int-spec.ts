import { randomUUID } from 'node:crypto';
import { propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { AvroCodec, TOPICS, type Event } from '@tessera/contracts';
import { anEvent, eventually, TestRun } from '@tessera/testing';
import type { Consumer } from 'kafkajs';
import {
  DeadLetterPublisher,
  KafkaBatchConsumer,
  KafkaPublisher,
  TransientError,
  type ConsumedMessage,
} from '../src';

const TOPIC = TOPICS.acceptedEvents;
const codec = new AvroCodec();

const event = (messageId: string): Event => anEvent({ messageId });

describe('KafkaBatchConsumer against a real broker', () => {
  const run = TestRun.create('platform-kafka');
  const publisher = new KafkaPublisher(run.kafka);
  const consumers: KafkaBatchConsumer[] = [];
  const readers: Consumer[] = [];

  beforeAll(async () => {
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    await run.createTopics([TOPIC, `tessera.events.accepted.dead-letter.v1`], 2);
    await publisher.connect();
  });

  afterAll(async () => {
    await Promise.all(consumers.map((consumer) => consumer.stop()));
    await Promise.all(readers.map((reader) => reader.disconnect()));
    await publisher.disconnect();
    await run.cleanup();
  });

  function consumerFor(
    group: string,
    handler: (messages: ConsumedMessage<Event>[]) => Promise<void>,
    maxAttempts = 3,
  ): KafkaBatchConsumer {
    const consumer = new KafkaBatchConsumer({
      kafka: run.kafka,
      groupId: group,
      topics: run.topics,
      subscriptions: [
        {
          topic: TOPIC,
          decode: (message) => codec.decodeAs('Event', message.value!),
          handler: handler as (messages: ConsumedMessage[]) => Promise<void>,
        },
      ],
      deadLetters: new DeadLetterPublisher(publisher, codec, run.topics, group),
      logger: run.logger,
      maxAttempts,
      retryBackoffMs: 10,
      maxOutageBackoffMs: 200,
    });
    consumers.push(consumer);
    return consumer;
  }

  async function publish(values: Buffer[], key = 'user-1'): Promise<void> {
    await publisher.publish({
      [run.topics.resolve(TOPIC)]: values.map((value) => ({ key, value })),
    });
  }

  /** Reads the run's dead-letter topic from the start into `into`. */
  async function readDeadLetters(into: ReturnType<typeof codec.decodeAs<'DeadLetter'>>[]) {
    const reader = run.kafka.consumer({ groupId: `dlq-reader-${randomUUID()}` });
    readers.push(reader);
    await reader.connect();
    await reader.subscribe({ topic: run.topics.deadLetter(TOPIC), fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        into.push(codec.decodeAs('DeadLetter', message.value!));
      },
    });
  }

  it('delivers a record produced by the platform producer, decoded, to the handler', async () => {
    const received: Event[] = [];
    const id = randomUUID();
    await consumerFor(`delivery-${id}`, async (messages) => {
      received.push(...messages.map((m) => m.value));
    }).start();
    await publish([codec.encode('Event', event(id))]);
    const got = await eventually(() => received.find((e) => e.messageId === id));
    expect(got).toEqual(event(id));
  });

  it('parks a message whose handler keeps failing after N attempts and keeps the partition moving', async () => {
    const id = randomUUID();
    const [poison, after] = [`${id}-poison`, `${id}-after`];
    const attempts: Record<string, number> = {};
    const handled: string[] = [];
    const deadLetters: ReturnType<typeof codec.decodeAs<'DeadLetter'>>[] = [];
    await readDeadLetters(deadLetters);
    await consumerFor(
      `poison-${id}`,
      async (messages) => {
        for (const { value } of messages)
          attempts[value.messageId] = (attempts[value.messageId] ?? 0) + 1;
        if (messages.some((m) => m.value.messageId === poison))
          throw new Error('cannot handle this one');
        handled.push(...messages.map((m) => m.value.messageId));
      },
      3,
    ).start();
    await publish([codec.encode('Event', event(poison)), codec.encode('Event', event(after))]);

    await eventually(() => (handled.includes(after) ? true : undefined));
    const parked = await eventually(() =>
      deadLetters.find(
        (d) =>
          d.errorMessage === 'cannot handle this one' &&
          d.originalTopic === run.topics.resolve(TOPIC),
      ),
    );
    expect(parked.reason).toBe('handler-failed');
    expect(parked.attempts).toBe(3);
    expect(codec.decodeAs('Event', parked.value).messageId).toBe(poison);
    expect(parked.key?.toString()).toBe('user-1');
    expect(handled).not.toContain(poison);
  });

  it('parks undecodable bytes as decode-error with the original bytes', async () => {
    const id = randomUUID();
    const garbage = Buffer.from(`not avro ${id}`);
    const deadLetters: ReturnType<typeof codec.decodeAs<'DeadLetter'>>[] = [];
    await readDeadLetters(deadLetters);
    await consumerFor(`garbage-${id}`, async () => undefined).start();
    await publish([garbage]);
    const parked = await eventually(() => deadLetters.find((d) => d.value.equals(garbage)));
    expect(parked.reason).toBe('decode-error');
    expect(parked.errorName).toMatch(/Error$/);
  });

  it('does not commit when the effect failed, so a restarted consumer sees the message again', async () => {
    const id = randomUUID();
    const group = `restart-${id}`;
    let failingCalls = 0;
    const failing = consumerFor(group, async () => {
      failingCalls += 1;
      throw new TransientError('store unavailable');
    });
    await failing.start();
    await publish([codec.encode('Event', event(id))], `key-${id}`);
    await eventually(() => (failingCalls >= 2 ? true : undefined));
    await failing.stop();

    const admin = run.kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchOffsets({
      groupId: run.topics.groupId(group),
      topics: [run.topics.resolve(TOPIC)],
    });
    await admin.disconnect();
    expect(offsets[0].partitions.every((p) => p.offset === '-1')).toBe(true);

    const seenAgain: string[] = [];
    await consumerFor(group, async (messages) => {
      seenAgain.push(...messages.map((m) => m.value.messageId));
    }).start();
    await eventually(() => (seenAgain.includes(id) ? true : undefined));
  });

  it('finishes and commits the in-flight batch when stopped, then leaves the group', async () => {
    const id = randomUUID();
    const group = `graceful-${id}`;
    let started = false;
    let finished = false;
    const consumer = consumerFor(group, async (messages) => {
      if (!messages.some((m) => m.value.messageId === id)) return;
      started = true;
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      finished = true;
    });
    await consumer.start();
    await publish([codec.encode('Event', event(id))], `key-${id}`);
    await eventually(() => started);
    await consumer.stop();
    expect(finished).toBe(true);

    const admin = run.kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchOffsets({
      groupId: run.topics.groupId(group),
      topics: [run.topics.resolve(TOPIC)],
    });
    await admin.disconnect();
    expect(offsets[0].partitions.some((p) => p.offset !== '-1')).toBe(true);
  });

  it('hands each message the trace context its producer wrote', async () => {
    const id = randomUUID();
    const traceparent = `00-${'ab'.repeat(16)}-${'cd'.repeat(8)}-01`;
    const seen: ConsumedMessage<Event>[] = [];
    await consumerFor(`trace-${id}`, async (messages) => {
      seen.push(...messages.filter((m) => m.value.messageId === id));
    }).start();
    await publisher.publish({
      [run.topics.resolve(TOPIC)]: [
        { key: 'k', value: codec.encode('Event', event(id)), headers: { traceparent } },
      ],
    });
    const [message] = await eventually(() => (seen.length > 0 ? seen : undefined));
    expect(message.raw.headers.traceparent.toString()).toBe(traceparent);
    expect(trace.getSpanContext(message.traceContext)?.traceId).toBe('ab'.repeat(16));
  });

  it('commits after the effect, so a restarted consumer does not see handled messages again', async () => {
    const id = randomUUID();
    const group = `committed-${id}`;
    const first: string[] = [];
    const consumer = consumerFor(group, async (messages) => {
      first.push(...messages.map((m) => m.value.messageId));
    });
    await consumer.start();
    await publish([codec.encode('Event', event(`${id}-1`))]);
    await eventually(() => (first.includes(`${id}-1`) ? true : undefined));
    await consumer.stop();

    const second: string[] = [];
    await consumerFor(group, async (messages) => {
      second.push(...messages.map((m) => m.value.messageId));
    }).start();
    await publish([codec.encode('Event', event(`${id}-2`))]);
    await eventually(() => (second.includes(`${id}-2`) ? true : undefined));
    expect(second).not.toContain(`${id}-1`);
  });
});
