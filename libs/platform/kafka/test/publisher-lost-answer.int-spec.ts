import { TestRun } from '@tessera/testing';
import { Kafka, logLevel, type ISocketFactory } from 'kafkajs';
import net from 'node:net';
import { KafkaPublisher } from '../src';

/** Kafka's Produce request key: a request's bytes are a 4-byte size, then the int16 API key. */
const PRODUCE = 0;

/**
 * Real sockets to the real broker, with one fault on demand: the connection that carries the
 * next Produce request closes after the broker got it, before its answer is read. The broker
 * wrote the records; the client only knows that the connection closed ("possibly persisted").
 */
class LosingAnswers {
  private armed = false;
  /** Produce requests whose answer was dropped. */
  dropped = 0;

  armNextProduce(): void {
    this.armed = true;
  }

  readonly factory: ISocketFactory = ({ host, port, onConnect }) => {
    const socket = net.connect({ host, port }, onConnect);
    let deaf = false;
    const write = socket.write.bind(socket) as (chunk: unknown, ...rest: unknown[]) => boolean;
    socket.write = (chunk: unknown, ...rest: unknown[]) => {
      const bytes = Buffer.isBuffer(chunk) ? chunk : null;
      if (this.armed && bytes && bytes.length > 6 && bytes.readInt16BE(4) === PRODUCE) {
        this.armed = false;
        this.dropped += 1;
        deaf = true;
        // Long enough for a single broker to append and answer (acks=all); the answer is dropped.
        setTimeout(() => {
          socket.emit('end');
          socket.destroy();
        }, 500);
      }
      return write(chunk, ...rest);
    };
    const emit = socket.emit.bind(socket) as (
      event: string | symbol,
      ...args: unknown[]
    ) => boolean;
    socket.emit = ((event: string | symbol, ...args: unknown[]) =>
      deaf && event === 'data' ? true : emit(event, ...args)) as typeof socket.emit;
    return socket;
  };
}

/**
 * A Produce whose answer is lost may have been written. kafkajs's idempotent producer then rolls
 * the partition's sequence number back and frees the partition for the next request, so the next
 * batch goes out with the same sequence numbers, the broker takes it for a retry of the written one
 * and acknowledges it without writing it: a publish that resolved, and records that are not there
 * (found by the fault suite: 8 accepted events lost across a broker restart).
 */
describe('KafkaPublisher when the answer to a written batch is lost', () => {
  const run = TestRun.create('publisher-lost-answer');
  const faults = new LosingAnswers();
  const kafka = new Kafka({
    clientId: 'publisher-lost-answer',
    brokers: run.kafkaBrokers,
    logLevel: logLevel.NOTHING,
    socketFactory: faults.factory,
  });
  const publisher = new KafkaPublisher(kafka);
  const topic = run.topics.resolve('tessera.publisher.lost-answer.v1');

  beforeAll(async () => {
    await run.createTopics(['tessera.publisher.lost-answer.v1'], 1);
    await publisher.connect();
    // Warm up: metadata and the connection to the leader are in place before the fault.
    await publisher.publish({ [topic]: [{ key: 'k', value: Buffer.from('warm-up') }] });
  });

  afterAll(async () => {
    await publisher.disconnect();
    await run.cleanup();
  });

  it('loses no record of a publish that resolved, also one sent right after the lost answer', async () => {
    const batch = (name: string) =>
      Array.from({ length: 5 }, (_, n) => ({ key: 'k', value: Buffer.from(`${name}-${n}`) }));
    faults.armNextProduce();
    // Whichever goes out first loses its answer; the other is queued behind it on the partition
    // and goes out as soon as that attempt failed.
    const first = publisher.publish({ [topic]: batch('first') });
    const second = publisher.publish({ [topic]: batch('second') });
    const outcomes = await Promise.allSettled([first, second]);
    const resolved = [
      ...(outcomes[0].status === 'fulfilled' ? batch('first') : []),
      ...(outcomes[1].status === 'fulfilled' ? batch('second') : []),
    ].map((record) => record.value.toString());
    expect(faults.dropped).toBe(1);
    expect(resolved.length).toBeGreaterThan(0);
    const written = new Set(await readAll(run, topic));
    expect(resolved.filter((value) => !written.has(value))).toEqual([]);
  });
});

async function readAll(run: TestRun, topic: string): Promise<string[]> {
  const admin = run.kafka.admin();
  await admin.connect();
  const [{ high }] = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const consumer = run.kafka.consumer({ groupId: `lost-answer-${run.id}` });
  const values: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        values.push(message.value?.toString() ?? '');
        if (BigInt(message.offset) + 1n >= BigInt(high)) resolve();
      },
    });
  });
  await consumer.disconnect();
  return values;
}
