import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { OutgoingEvent } from '../batch/import-batch';
import { FakeIngestionServer, type FakeIngestionOptions } from '../test/fake-ingestion.server';
import { BatchClient, type RetryPolicy } from './batch.client';
import { DeliveryInterruptedError } from './delivery-interrupted.error';
import { ImportFailedError } from './import-failed.error';

const WRITE_KEY = 'wk_client';

const events: OutgoingEvent[] = [1, 2].map((row) => ({
  row,
  messageId: `m${row}`,
  json: JSON.stringify({ type: 'identify', userId: `u${row}`, messageId: `m${row}` }),
}));

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('BatchClient', () => {
  let server: FakeIngestionServer | undefined;
  let sleeps: number[];

  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  function client(url: string, retry: Partial<RetryPolicy> = {}): BatchClient {
    sleeps = [];
    return new BatchClient({
      url,
      writeKey: WRITE_KEY,
      retry: {
        maxAttempts: 3,
        initialBackoffMs: 100,
        maxBackoffMs: 1000,
        maxRetryAfterMs: 60_000,
        requestTimeoutMs: 5000,
        sleep: async (ms) => {
          sleeps.push(ms);
        },
        random: () => 1,
        ...retry,
      },
    });
  }

  async function started(options: Partial<FakeIngestionOptions> = {}): Promise<string> {
    server = new FakeIngestionServer({ writeKey: WRITE_KEY, ...options });
    return server.start();
  }

  async function failure(promise: Promise<unknown>): Promise<Error> {
    try {
      await promise;
    } catch (error) {
      return error as Error;
    }
    throw new Error('expected the send to fail');
  }

  it('returns the duplicates the server counted', async () => {
    const url = await started();
    await client(url).send(events, new AbortController().signal);
    const result = await client(url).send(events, new AbortController().signal);
    expect(result).toEqual({ duplicates: 2, rejected: [] });
  });

  it('sends to /v1/batch under a base path given with --url', async () => {
    const url = await started();
    const outcome = await failure(
      client(`${url}/ingest`).send(events, new AbortController().signal),
    );
    expect(outcome.message).toContain(`POST ${url}/ingest/v1/batch answered 404`);
  });

  it('treats a 400 without a list of rejected events as refusing the whole request', async () => {
    const url = await started();
    server?.respondNext({
      status: 400,
      body: { success: false, error: 'invalid_request', message: 'batch must be an array' },
    });
    const error = await failure(client(url).send(events, new AbortController().signal));
    expect(error).toBeInstanceOf(ImportFailedError);
    expect(error.message).toBe(
      'the server refused a whole request (400: invalid_request: batch must be an array)',
    );
  });

  it('asks for a lower --max-request-bytes when the server finds a request too large', async () => {
    const url = await started({ maxRequestBytes: 100 });
    const error = await failure(client(url).send(events, new AbortController().signal));
    expect(error.message).toMatch(/refused a request of \d+ bytes as too large/);
    expect(error.message).toContain('lower --max-request-bytes');
  });

  it('stops when a 400 names an event outside the request', async () => {
    const url = await started();
    server?.respondNext({
      status: 400,
      body: { success: false, error: 'invalid_event', rejected: [{ index: 2, reason: 'x' }] },
    });
    const error = await failure(client(url).send(events, new AbortController().signal));
    expect(error.message).toContain('index 2 of a request of 2 events');
  });

  it('reads a Retry-After given as an HTTP date', async () => {
    const url = await started();
    const retryAt = new Date(Date.now() + 30_000).toUTCString();
    server?.respondNext({ status: 429, headers: { 'retry-after': retryAt } });
    await client(url).send(events, new AbortController().signal);
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThan(27_000);
    expect(sleeps[0]).toBeLessThanOrEqual(30_000);
  });

  it('waits no longer than its limit whatever Retry-After says', async () => {
    const url = await started();
    server?.respondNext({ status: 429, headers: { 'retry-after': '86400' } });
    await client(url, { maxRetryAfterMs: 120_000 }).send(events, new AbortController().signal);
    expect(sleeps).toEqual([120_000]);
  });

  it('retries when nothing listens, naming the cause when it gives up', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const error = await failure(client(url).send(events, new AbortController().signal));
    expect(error.message).toContain('failed 3 times, the last with ECONNREFUSED');
    expect(sleeps).toEqual([100, 200]);
  });

  it('retries a request that gets no answer in time', async () => {
    let answered = 0;
    const url = await started({
      beforeAnswer: () => (answered++ === 0 ? new Promise((r) => setTimeout(r, 300)) : undefined),
    });
    const result = await client(url, { requestTimeoutMs: 50 }).send(
      events,
      new AbortController().signal,
    );
    expect(result.duplicates).toBe(0);
    expect(server?.requests).toHaveLength(2);
  });

  it('gives up between tries once the import stops', async () => {
    const url = await started();
    server?.respondNext({ status: 503 });
    const stop = new AbortController();
    const sending = client(url, {
      sleep: async () => {
        stop.abort();
      },
    }).send(events, stop.signal);
    expect(await failure(sending)).toBeInstanceOf(DeliveryInterruptedError);
    expect(server?.requests).toHaveLength(1);
  });
});
