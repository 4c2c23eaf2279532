import { BatchInterruptedError, BatchProcessor, type ParkedMessage } from './batch-processor';
import type { ConsumedMessage, InboundMessage } from './consumed-message';
import { TransientError } from './transient-error';

function message(offset: number, value = `v${offset}`): InboundMessage {
  return {
    topic: 'tessera.events.accepted.v1',
    partition: 0,
    offset: String(offset),
    key: null,
    value: Buffer.from(value),
    headers: {},
    timestamp: '0',
  };
}

function setup(handler: (values: string[]) => Promise<unknown>, maxAttempts = 3) {
  const parked: ParkedMessage[] = [];
  const handled: string[][] = [];
  const processor = new BatchProcessor<string>({
    handler: async (messages: ConsumedMessage<string>[]) => {
      const values = messages.map((m) => m.value);
      handled.push(values);
      await handler(values);
    },
    decode: (m) => {
      const text = m.value!.toString();
      if (text === 'garbage') throw new Error('not decodable');
      return text;
    },
    park: async (entries) => {
      parked.push(...entries);
    },
    maxAttempts,
    retryBackoffMs: 0,
    sleep: async () => undefined,
  });
  return { processor, parked, handled };
}

describe('BatchProcessor', () => {
  it('hands the whole batch to the handler once when it succeeds', async () => {
    const { processor, parked, handled } = setup(async () => undefined);
    await processor.process([message(1), message(2), message(3)]);
    expect(handled).toEqual([['v1', 'v2', 'v3']]);
    expect(parked).toEqual([]);
  });

  it('parks an undecodable record as decode-error without calling the handler for it', async () => {
    const { processor, parked, handled } = setup(async () => undefined);
    await processor.process([message(1), message(2, 'garbage'), message(3)]);
    expect(handled).toEqual([['v1', 'v3']]);
    expect(parked).toHaveLength(1);
    expect(parked[0]).toMatchObject({ reason: 'decode-error', attempts: 1 });
    expect(parked[0].message.offset).toBe('2');
  });

  it('retries a poison message alone up to the attempt limit, then parks it', async () => {
    const { processor, parked, handled } = setup(async (values) => {
      if (values.includes('v2')) throw new Error('boom on v2');
    }, 3);
    await processor.process([message(1), message(2), message(3)]);
    const attemptsOnPoison = handled.filter((values) => values.length === 1 && values[0] === 'v2');
    expect(attemptsOnPoison).toHaveLength(3);
    expect(parked).toHaveLength(1);
    expect(parked[0]).toMatchObject({ reason: 'handler-failed', attempts: 3 });
    expect(parked[0].error.message).toBe('boom on v2');
  });

  it('still handles the good messages of a batch that held a poison message', async () => {
    const { processor, handled } = setup(async (values) => {
      if (values.includes('v2')) throw new Error('boom');
    });
    await processor.process([message(1), message(2), message(3)]);
    expect(handled).toContainEqual(['v1']);
    expect(handled).toContainEqual(['v3']);
  });

  it('counts the failed batch call as the first attempt of a single-message batch', async () => {
    const { processor, parked, handled } = setup(async () => {
      throw new Error('always');
    }, 2);
    await processor.process([message(7)]);
    expect(handled).toHaveLength(2);
    expect(parked[0].attempts).toBe(2);
  });

  it('does not park a message whose retry succeeds', async () => {
    let calls = 0;
    const { processor, parked } = setup(async () => {
      calls += 1;
      if (calls === 1) throw new Error('flaky once');
    });
    await processor.process([message(1)]);
    expect(parked).toEqual([]);
    expect(calls).toBe(2);
  });

  it('interrupts the batch instead of parking anything when a dependency is unavailable', async () => {
    const { processor, parked } = setup(async () => {
      throw new TransientError('store down');
    });
    await expect(processor.process([message(1), message(2)])).rejects.toBeInstanceOf(
      BatchInterruptedError,
    );
    expect(parked).toEqual([]);
  });

  it('treats a Mongo network error by name as transient', async () => {
    const { processor } = setup(async () => {
      const error = new Error('connection refused');
      error.name = 'MongoNetworkError';
      throw error;
    });
    await expect(processor.process([message(1)])).rejects.toBeInstanceOf(BatchInterruptedError);
  });

  it('parks messages the handler rejects, with the handler-given reason', async () => {
    const parked: ParkedMessage[] = [];
    const processor = new BatchProcessor<string>({
      handler: async (messages) => ({
        rejected: messages
          .filter((m) => m.value === 'v2')
          .map((m) => ({ message: m, reason: 'schema-violation', error: new Error('bad') })),
      }),
      decode: (m) => m.value!.toString(),
      park: async (entries) => {
        parked.push(...entries);
      },
      maxAttempts: 3,
      retryBackoffMs: 0,
    });
    await processor.process([message(1), message(2)]);
    expect(parked).toHaveLength(1);
    expect(parked[0]).toMatchObject({ reason: 'schema-violation', attempts: 1 });
  });

  it('fails the batch when parking fails, so nothing is committed past unparked messages', async () => {
    const processor = new BatchProcessor<string>({
      handler: async () => undefined,
      decode: () => {
        throw new Error('undecodable');
      },
      park: async () => {
        throw new Error('dead-letter topic unavailable');
      },
      maxAttempts: 3,
      retryBackoffMs: 0,
    });
    await expect(processor.process([message(1)])).rejects.toThrow('dead-letter topic unavailable');
  });

  it('backs off exponentially between the retries of one message', async () => {
    const waits: number[] = [];
    const processor = new BatchProcessor<string>({
      handler: async () => {
        throw new Error('always');
      },
      decode: (m) => m.value!.toString(),
      park: async () => undefined,
      maxAttempts: 4,
      retryBackoffMs: 100,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    await processor.process([message(1)]);
    expect(waits).toEqual([100, 200, 400]);
  });
});
