import type { Collection } from 'mongodb';
import type { MessageDocument } from './activation-store.schema';
import { SettleBatcher, type MessageUpdate } from './settle-batcher';

const delivered: MessageUpdate = {
  status: 'delivered',
  attempts: 1,
  nextAttemptAt: null,
  lastStatusCode: 204,
  lastError: null,
};
const failed: MessageUpdate = {
  ...delivered,
  status: 'failed',
  lastStatusCode: 500,
  lastError: 'HTTP 500',
};

/** A collection that records updateMany calls and lets the test finish each one. */
function recordingCollection() {
  const calls: { ids: string[]; set: Record<string, unknown>; finish: (error?: Error) => void }[] =
    [];
  const collection = {
    updateMany: (filter: { _id: { $in: string[] } }, update: { $set: Record<string, unknown> }) =>
      new Promise((resolve, reject) =>
        calls.push({
          ids: filter._id.$in,
          set: update.$set,
          finish: (error) => (error ? reject(error) : resolve({})),
        }),
      ),
  } as unknown as Collection<MessageDocument>;
  return { calls, collection };
}

describe('SettleBatcher', () => {
  it('writes the first settle at once and those arriving meanwhile together, one write per distinct update', async () => {
    const { calls, collection } = recordingCollection();
    const batcher = new SettleBatcher(collection);
    const first = batcher.settle('m1', delivered);
    const rest = [
      batcher.settle('m2', delivered),
      batcher.settle('m3', failed),
      batcher.settle('m4', delivered),
    ];
    expect(calls.map((call) => call.ids)).toEqual([['m1']]);
    calls[0].finish();
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls.slice(1).map((call) => call.ids)).toEqual([['m2', 'm4'], ['m3']]);
    expect(calls[1].set.status).toBe('delivered');
    expect(typeof calls[1].set.settledAt).toBe('number');
    for (const call of calls.slice(1)) call.finish();
    await Promise.all(rest);
  });

  it('fails only the callers of a write that failed, and leaves a pending message unsettled', async () => {
    const { calls, collection } = recordingCollection();
    const batcher = new SettleBatcher(collection);
    const retry: MessageUpdate = { ...failed, status: 'pending', nextAttemptAt: 5 };
    const block = batcher.settle('m0', delivered);
    const pending = batcher.settle('m1', retry);
    const broken = batcher.settle('m2', failed);
    calls[0].finish();
    await block;
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls[1].set.settledAt).toBeNull();
    calls[1].finish();
    calls[2].finish(new Error('store down'));
    await expect(pending).resolves.toBeUndefined();
    await expect(broken).rejects.toThrow('store down');
  });
});
