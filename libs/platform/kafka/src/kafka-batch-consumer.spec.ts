import type { EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import pino from 'pino';
import type { ParkedMessage } from './batch-processor';
import type { DeadLetterPublisher } from './dead-letter-publisher';
import { KafkaBatchConsumer } from './kafka-batch-consumer';
import { TopicNames } from '@tessera/contracts';
import { TransientError } from './transient-error';

const TOPIC = 'tessera.events.accepted.v1';

/** Just enough of a kafkajs consumer to drive eachBatch by hand and record commits. */
function fakeKafka(heartbeat: () => Promise<void> = async () => undefined) {
  const commits: { topic: string; partition: number; offset: string }[] = [];
  let eachBatch: ((payload: EachBatchPayload) => Promise<void>) | undefined;
  const consumer = {
    events: { GROUP_JOIN: 'join', CRASH: 'crash', STOP: 'stop' },
    on: () => undefined,
    connect: async () => undefined,
    subscribe: async () => undefined,
    run: async (config: { eachBatch: typeof eachBatch }) => {
      eachBatch = config.eachBatch;
    },
    disconnect: async () => undefined,
  };
  const kafka = { consumer: () => consumer } as unknown as Kafka;
  const deliver = async (offsets: number[], running = () => true) => {
    const resolved: string[] = [];
    const messages = offsets.map(
      (offset) =>
        ({
          offset: String(offset),
          key: null,
          value: Buffer.from(`m${offset}`),
          headers: {},
          timestamp: '0',
        }) as unknown as KafkaMessage,
    );
    await eachBatch!({
      batch: { topic: TOPIC, partition: 2, messages },
      resolveOffset: (offset: string) => resolved.push(offset),
      commitOffsetsIfNecessary: async (offsets: {
        topics: { topic: string; partitions: { partition: number; offset: string }[] }[];
      }) => {
        for (const { topic, partitions } of offsets.topics) {
          for (const { partition, offset } of partitions)
            commits.push({ topic, partition, offset });
        }
      },
      heartbeat,
      isRunning: running,
      isStale: () => false,
    } as unknown as EachBatchPayload);
    return resolved;
  };
  return { kafka, commits, deliver };
}

function consumerWith(
  handler: (values: string[]) => Promise<void>,
  maxBatchSize = 500,
  {
    heartbeat,
    sessionTimeoutMs,
  }: { heartbeat?: () => Promise<void>; sessionTimeoutMs?: number } = {},
) {
  const { kafka, commits, deliver } = fakeKafka(heartbeat);
  const parked: ParkedMessage[] = [];
  const deadLetters = {
    park: async (entries: ParkedMessage[]) => {
      parked.push(...entries);
    },
  } as unknown as DeadLetterPublisher;
  const consumer = new KafkaBatchConsumer({
    kafka,
    groupId: 'test',
    topics: new TopicNames(),
    subscriptions: [
      {
        topic: TOPIC,
        decode: (m) => m.value!.toString(),
        handler: async (messages) => handler(messages.map((m) => m.value as string)),
      },
    ],
    deadLetters,
    logger: pino({ level: 'silent' }),
    maxAttempts: 2,
    retryBackoffMs: 0,
    maxBatchSize,
    maxOutageBackoffMs: 1,
    sessionTimeoutMs,
  });
  return { consumer, commits, parked, deliver };
}

describe('KafkaBatchConsumer', () => {
  it('commits the offset after the last message once the handler resolved', async () => {
    const { consumer, commits, deliver } = consumerWith(async () => undefined);
    await consumer.start();
    await deliver([10, 11, 12]);
    expect(commits).toEqual([{ topic: TOPIC, partition: 2, offset: '13' }]);
  });

  it('keeps heartbeating while a slice takes longer than the session timeout', async () => {
    const beats: number[] = [];
    const { consumer, commits, deliver } = consumerWith(
      () => new Promise((resolve) => setTimeout(resolve, 700)),
      500,
      { heartbeat: async () => void beats.push(Date.now()), sessionTimeoutMs: 300 },
    );
    await consumer.start();
    await deliver([7]);
    // One heartbeat per 100 ms interval while the handler works (and one after the commit).
    expect(beats.length).toBeGreaterThanOrEqual(3);
    expect(commits).toEqual([{ topic: TOPIC, partition: 2, offset: '8' }]);
  });

  it('stops heartbeating once the group rebalances, and still commits the slice it finishes', async () => {
    let beats = 0;
    const { consumer, commits, deliver } = consumerWith(
      () => new Promise((resolve) => setTimeout(resolve, 700)),
      500,
      {
        heartbeat: () => {
          beats++;
          return Promise.reject(new Error('The group is rebalancing, so a rejoin is needed'));
        },
        sessionTimeoutMs: 300,
      },
    );
    await consumer.start();
    // The heartbeat after the commit tells kafkajs to rejoin: eachBatch ends with its error.
    await expect(deliver([7])).rejects.toThrow('rebalancing');
    expect(commits).toEqual([{ topic: TOPIC, partition: 2, offset: '8' }]);
    // One refused heartbeat while the slice ran (then no more), one after the commit.
    expect(beats).toBe(2);
  });

  it('commits slice by slice when a fetched batch is larger than the slice size', async () => {
    const { consumer, commits, deliver } = consumerWith(async () => undefined, 2);
    await consumer.start();
    await deliver([0, 1, 2, 3, 4]);
    expect(commits.map((c) => c.offset)).toEqual(['2', '4', '5']);
  });

  it('commits past a poison message only after it is parked', async () => {
    const { consumer, commits, parked, deliver } = consumerWith(async (values) => {
      if (values.includes('m1')) throw new Error('poison');
    });
    await consumer.start();
    await deliver([0, 1, 2]);
    expect(parked.map((p) => p.message.offset)).toEqual(['1']);
    expect(commits).toEqual([{ topic: TOPIC, partition: 2, offset: '3' }]);
  });

  it('commits nothing while a dependency stays down and the consumer is stopping', async () => {
    let runningChecks = 0;
    const { consumer, commits, parked, deliver } = consumerWith(async () => {
      throw new TransientError('store unavailable');
    });
    await consumer.start();
    const resolved = await deliver([5, 6], () => ++runningChecks < 3);
    expect(commits).toEqual([]);
    expect(resolved).toEqual([]);
    expect(parked).toEqual([]);
  });

  it('retries a batch after an outage and commits once the dependency is back', async () => {
    let calls = 0;
    const { consumer, commits, parked, deliver } = consumerWith(async () => {
      calls += 1;
      if (calls <= 2) throw new TransientError('store unavailable');
    });
    await consumer.start();
    await deliver([5, 6]);
    expect(calls).toBe(3);
    expect(parked).toEqual([]);
    expect(commits).toEqual([{ topic: TOPIC, partition: 2, offset: '7' }]);
  });
});

describe('KafkaBatchConsumer after stop', () => {
  /** A kafkajs consumer that keeps the config it was made with and lets the test emit events. */
  function recordingKafka() {
    const listeners = new Map<string, (event: { payload: unknown }) => void>();
    const seen = { config: undefined as unknown, disconnects: 0, runs: 0 };
    const consumer = {
      events: { GROUP_JOIN: 'join', CRASH: 'crash', STOP: 'stop' },
      on: (name: string, listener: (event: { payload: unknown }) => void) => {
        listeners.set(name, listener);
      },
      connect: async () => undefined,
      subscribe: async () => undefined,
      run: async () => {
        seen.runs += 1;
      },
      disconnect: async () => {
        seen.disconnects += 1;
      },
    };
    const kafka = {
      consumer: (config: unknown) => {
        seen.config = config;
        return consumer;
      },
    } as unknown as Kafka;
    const emit = (name: string, payload: unknown) => listeners.get(name)?.({ payload });
    return { kafka, seen, emit };
  }

  function consumerOn(kafka: Kafka) {
    return new KafkaBatchConsumer({
      kafka,
      groupId: 'test',
      topics: new TopicNames(),
      subscriptions: [{ topic: TOPIC, decode: (m) => m.value, handler: async () => undefined }],
      deadLetters: { park: async () => undefined } as unknown as DeadLetterPublisher,
      logger: pino({ level: 'silent' }),
      maxAttempts: 2,
      retryBackoffMs: 0,
    });
  }

  const restartOnFailure = (config: unknown) =>
    (
      config as { retry: { restartOnFailure: (error: Error) => Promise<boolean> } }
    ).retry.restartOnFailure(new Error('broker gone'));

  it('lets kafkajs restart it after a crash while it runs, and never once it was stopped', async () => {
    const { kafka, seen } = recordingKafka();
    const consumer = consumerOn(kafka);
    await consumer.start();
    await expect(restartOnFailure(seen.config)).resolves.toBe(true);
    await consumer.stop();
    await expect(restartOnFailure(seen.config)).resolves.toBe(false);
  });

  it('disconnects again what a restart under way opened when it crashes after stop', async () => {
    const { kafka, seen, emit } = recordingKafka();
    const consumer = consumerOn(kafka);
    await consumer.start();
    emit('join', {});
    expect(consumer.isReady()).toBe(true);
    emit('crash', { error: new Error('broker gone'), restart: true });
    expect(consumer.isReady()).toBe(false);
    expect(seen.disconnects).toBe(0);
    await consumer.stop();
    expect(seen.disconnects).toBe(1);
    emit('crash', { error: new Error('broker gone'), restart: true });
    expect(seen.disconnects).toBe(2);
  });

  describe('after a crash kafkajs gives up on (it does not restart non-retriable errors)', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    const coordinatorNotFound = () =>
      Object.assign(new Error('Failed to find group coordinator'), {
        name: 'KafkaJSGroupCoordinatorNotFound',
      });

    it('starts again by itself, backing off while it keeps crashing, and is ready once it joins', async () => {
      const { kafka, seen, emit } = recordingKafka();
      const consumer = consumerOn(kafka);
      await consumer.start();
      emit('join', {});
      emit('crash', { error: coordinatorNotFound(), restart: false });
      expect(consumer.isReady()).toBe(false);
      await jest.advanceTimersByTimeAsync(999);
      expect(seen.runs).toBe(1);
      await jest.advanceTimersByTimeAsync(1);
      expect(seen.runs).toBe(2);
      // It crashed again joining: the next start waits twice as long.
      emit('crash', { error: coordinatorNotFound(), restart: false });
      await jest.advanceTimersByTimeAsync(1_999);
      expect(seen.runs).toBe(2);
      await jest.advanceTimersByTimeAsync(1);
      expect(seen.runs).toBe(3);
      emit('join', {});
      expect(consumer.isReady()).toBe(true);
      // Joining resets the back-off.
      emit('crash', { error: coordinatorNotFound(), restart: false });
      await jest.advanceTimersByTimeAsync(1_000);
      expect(seen.runs).toBe(4);
      await consumer.stop();
    });

    it('leaves a restart kafkajs makes itself to kafkajs, and starts nothing once stopped', async () => {
      const { kafka, seen, emit } = recordingKafka();
      const consumer = consumerOn(kafka);
      await consumer.start();
      emit('crash', { error: new Error('broker gone'), restart: true });
      await jest.advanceTimersByTimeAsync(60_000);
      expect(seen.runs).toBe(1);
      emit('crash', { error: coordinatorNotFound(), restart: false });
      await consumer.stop();
      await jest.advanceTimersByTimeAsync(60_000);
      expect(seen.runs).toBe(1);
    });
  });
});
