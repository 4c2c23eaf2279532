import pino from 'pino';
import { retryWhileUnreachable } from './retry-while-unreachable';

const logger = pino({ level: 'silent' });

function connectionError(): Error {
  const error = new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
  error.name = 'KafkaJSConnectionError';
  return error;
}

/** kafkajs gives up with a non-retriable error whose cause is the connection error. */
function gaveUp(): Error {
  const error = new Error('Connection error', { cause: connectionError() });
  error.name = 'KafkaJSNonRetriableError';
  return error;
}

describe('retryWhileUnreachable', () => {
  it('waits for the store as for Kafka', async () => {
    let tries = 0;
    const step = () => {
      tries++;
      const refused = new Error('connect ECONNREFUSED 127.0.0.1:27017');
      refused.name = 'MongoNetworkError';
      return tries < 3 ? Promise.reject(refused) : Promise.resolve('started');
    };
    await expect(
      retryWhileUnreachable(step, { timeoutMs: 5_000, logger, delayMs: 1 }),
    ).resolves.toBe('started');
    expect(tries).toBe(3);
  });

  it('tries again while Kafka or the store cannot be reached, then returns what the start returns', async () => {
    const failures = [connectionError(), gaveUp()];
    let tries = 0;
    const step = () => {
      tries++;
      const failure = failures.shift();
      return failure ? Promise.reject(failure) : Promise.resolve('connected');
    };
    await expect(
      retryWhileUnreachable(step, { timeoutMs: 5_000, logger, delayMs: 1 }),
    ).resolves.toBe('connected');
    expect(tries).toBe(3);
  });

  it('tries again when the broker closes its connections or has no coordinator yet (a restart)', async () => {
    const named = (name: string) => Object.assign(new Error(name), { name });
    const failures = [
      named('KafkaJSConnectionClosedError'),
      named('KafkaJSGroupCoordinatorNotFound'),
    ];
    let tries = 0;
    const step = () => {
      tries++;
      const failure = failures.shift();
      return failure ? Promise.reject(failure) : Promise.resolve('started');
    };
    await expect(
      retryWhileUnreachable(step, { timeoutMs: 5_000, logger, delayMs: 1 }),
    ).resolves.toBe('started');
    expect(tries).toBe(3);
  });

  it('throws at once an error that is not about reaching a dependency', async () => {
    let tries = 0;
    const refused = new Error('Topic authorization failed');
    refused.name = 'KafkaJSProtocolErrorNotRetriable';
    const step = () => {
      tries++;
      return Promise.reject(refused);
    };
    await expect(
      retryWhileUnreachable(step, { timeoutMs: 5_000, logger, delayMs: 1 }),
    ).rejects.toBe(refused);
    expect(tries).toBe(1);
  });

  it('gives up with the last error once the time is up', async () => {
    let tries = 0;
    const step = () => {
      tries++;
      return Promise.reject(gaveUp());
    };
    await expect(
      retryWhileUnreachable(step, { timeoutMs: 200, logger, delayMs: 20, maxDelayMs: 40 }),
    ).rejects.toMatchObject({ name: 'KafkaJSNonRetriableError' });
    expect(tries).toBeGreaterThan(2);
  });

  it('tries once when the time allowed is 0', async () => {
    let tries = 0;
    const step = () => {
      tries++;
      return Promise.reject(connectionError());
    };
    await expect(
      retryWhileUnreachable(step, { timeoutMs: 0, logger, delayMs: 1 }),
    ).rejects.toMatchObject({
      name: 'KafkaJSConnectionError',
    });
    expect(tries).toBe(1);
  });
});
