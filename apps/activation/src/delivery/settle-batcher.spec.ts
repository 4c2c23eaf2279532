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

/**
 * A collection that records updateMany calls and lets the test finish each one; the messages in
 * `gone` are not there (a privacy request deleted them).
 */
function recordingCollection(gone: string[] = []) {
  const calls: { ids: string[]; set: Record<string, unknown>; finish: (error?: Error) => void }[] =
    [];
  const present = (ids: string[]) => ids.filter((id) => !gone.includes(id));
  const collection = {
    updateMany: (filter: { _id: { $in: string[] } }, update: { $set: Record<string, unknown> }) =>
      new Promise((resolve, reject) =>
        calls.push({
          ids: filter._id.$in,
          set: update.$set,
          finish: (error) =>
            error ? reject(error) : resolve({ matchedCount: present(filter._id.$in).length }),
        }),
      ),
    find: (filter: { _id: { $in: string[] } }) => ({
      project: () => ({
        toArray: () => Promise.resolve(present(filter._id.$in).map((_id) => ({ _id }))),
      }),
    }),
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
    await expect(pending).resolves.toBe(true);
    await expect(broken).rejects.toThrow('store down');
  });

  it('tells the callers whose message is gone, and writes none back', async () => {
    const { calls, collection } = recordingCollection(['m2']);
    const batcher = new SettleBatcher(collection);
    const block = batcher.settle('m0', delivered);
    const settles = [batcher.settle('m1', delivered), batcher.settle('m2', delivered)];
    calls[0].finish();
    await block;
    await new Promise((resolve) => setImmediate(resolve));
    calls[1].finish();
    expect(await Promise.all(settles)).toEqual([true, false]);
  });
});
