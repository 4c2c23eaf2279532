import { MongoBulkWriteError, MongoNetworkError } from 'mongodb';
import { InsertBatcher, insertReportingDuplicates, type InsertTarget } from './insert-batcher';

interface Doc {
  _id: string;
}

/** A collection with a unique `_id` whose writes finish when the test says so. */
class ControlledCollection implements InsertTarget<Doc> {
  readonly stored = new Set<string>();
  readonly calls: string[][] = [];
  private readonly gates: (() => void)[] = [];
  failNext: Error | undefined;

  insertMany(documents: Doc[]): Promise<unknown> {
    this.calls.push(documents.map((d) => d._id));
    const failure = this.failNext;
    this.failNext = undefined;
    return new Promise((resolve, reject) => {
      this.gates.push(() => {
        if (failure) return reject(failure);
        const writeErrors: { code: number; index: number }[] = [];
        documents.forEach((document, index) => {
          if (this.stored.has(document._id)) writeErrors.push({ code: 11000, index });
          else this.stored.add(document._id);
        });
        if (writeErrors.length === 0) return resolve({});
        reject(Object.assign(new Error('E11000 duplicate key'), { code: 11000, writeErrors }));
      });
    });
  }

  /** Lets the oldest pending write finish. */
  async release(): Promise<void> {
    this.gates.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const docs = (...ids: string[]) => ids.map((_id) => ({ _id }));

describe('InsertBatcher', () => {
  it('writes at once while nothing is in flight, and coalesces what arrives meanwhile', async () => {
    const collection = new ControlledCollection();
    const batcher = new InsertBatcher(collection, { maxInFlight: 1 });
    const first = batcher.insert(docs('a'));
    const second = batcher.insert(docs('b', 'c'));
    const third = batcher.insert(docs('d'));
    expect(collection.calls).toEqual([['a']]);
    await collection.release();
    await expect(first).resolves.toEqual([]);
    expect(collection.calls).toEqual([['a'], ['b', 'c', 'd']]);
    await collection.release();
    await expect(second).resolves.toEqual([]);
    await expect(third).resolves.toEqual([]);
    expect([...collection.stored].sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it("tells each caller which of its own documents already existed, by the caller's index", async () => {
    const collection = new ControlledCollection();
    collection.stored.add('x').add('z');
    const batcher = new InsertBatcher(collection, { maxInFlight: 1 });
    const blocker = batcher.insert(docs('first'));
    const one = batcher.insert(docs('a', 'x', 'b'));
    const two = batcher.insert(docs('z', 'c'));
    const three = batcher.insert(docs('d'));
    await collection.release();
    await collection.release();
    await blocker;
    await expect(one).resolves.toEqual([1]);
    await expect(two).resolves.toEqual([0]);
    await expect(three).resolves.toEqual([]);
  });

  it('sees a duplicate between two callers of the same write', async () => {
    const collection = new ControlledCollection();
    const batcher = new InsertBatcher(collection, { maxInFlight: 1 });
    const blocker = batcher.insert(docs('first'));
    const one = batcher.insert(docs('k'));
    const two = batcher.insert(docs('k'));
    await collection.release();
    await collection.release();
    await blocker;
    expect(await Promise.all([one, two])).toEqual([[], [0]]);
  });

  it('keeps each write under maxDocuments without splitting a caller', async () => {
    const collection = new ControlledCollection();
    const batcher = new InsertBatcher(collection, { maxInFlight: 1, maxDocuments: 3 });
    const all = [
      batcher.insert(docs('a')),
      batcher.insert(docs('b', 'c')),
      batcher.insert(docs('d')),
      batcher.insert(docs('e', 'f', 'g', 'h')),
    ];
    for (let i = 0; i < 4; i++) await collection.release();
    await Promise.all(all);
    expect(collection.calls).toEqual([['a'], ['b', 'c', 'd'], ['e', 'f', 'g', 'h']]);
  });

  it('runs up to maxInFlight writes at once', async () => {
    const collection = new ControlledCollection();
    const batcher = new InsertBatcher(collection, { maxInFlight: 2 });
    const all = [batcher.insert(docs('a')), batcher.insert(docs('b')), batcher.insert(docs('c'))];
    expect(collection.calls).toEqual([['a'], ['b']]);
    for (let i = 0; i < 3; i++) await collection.release();
    await Promise.all(all);
    expect(collection.calls).toEqual([['a'], ['b'], ['c']]);
  });

  it('fails every caller of a failed write, and goes on with the next callers', async () => {
    const collection = new ControlledCollection();
    const batcher = new InsertBatcher(collection, { maxInFlight: 1 });
    const blocker = batcher.insert(docs('first'));
    const one = batcher.insert(docs('a'));
    const two = batcher.insert(docs('b'));
    const gone = new Error('store unreachable');
    collection.failNext = gone; // taken by the next insertMany: the coalesced write of one and two
    await collection.release();
    await blocker;
    expect(collection.calls).toEqual([['first'], ['a', 'b']]);
    await collection.release();
    await expect(one).rejects.toBe(gone);
    await expect(two).rejects.toBe(gone);
    const three = batcher.insert(docs('a'));
    await collection.release();
    await expect(three).resolves.toEqual([]);
    expect([...collection.stored].sort()).toEqual(['a', 'first']);
  });

  it('resolves an empty insert without writing', async () => {
    const collection = new ControlledCollection();
    await expect(new InsertBatcher(collection).insert([])).resolves.toEqual([]);
    expect(collection.calls).toEqual([]);
  });
});

describe('insertReportingDuplicates', () => {
  it('rethrows a failure that is not only duplicate keys', async () => {
    const mixed = Object.assign(new Error('bulk'), {
      code: 11000,
      writeErrors: [
        { code: 11000, index: 0 },
        { code: 121, index: 1 },
      ],
    });
    const target: InsertTarget<Doc> = { insertMany: () => Promise.reject(mixed) };
    await expect(insertReportingDuplicates(target, docs('a', 'b'))).rejects.toBe(mixed);
    const network = new Error('connection closed');
    const failing: InsertTarget<Doc> = { insertMany: () => Promise.reject(network) };
    await expect(insertReportingDuplicates(failing, docs('a'))).rejects.toBe(network);
  });

  it('rethrows a failure the driver wrapped with no write errors (nothing is known written)', async () => {
    // What the driver throws when the connection drops during an insertMany: the interruption
    // wrapped in a MongoBulkWriteError with an empty writeErrors; with a code, for a command error.
    const dropped = new MongoBulkWriteError(
      new MongoNetworkError('connection 3 to 127.0.0.1:27017 closed'),
      {} as never,
    );
    const refused = new MongoBulkWriteError({ message: 'internal error', code: 1 }, {} as never);
    for (const wrapped of [dropped, refused]) {
      expect(wrapped.writeErrors).toEqual([]);
      const target: InsertTarget<Doc> = { insertMany: () => Promise.reject(wrapped) };
      await expect(insertReportingDuplicates(target, docs('a', 'b'))).rejects.toBe(wrapped);
    }
  });

  it('reads a single write error that is not in an array', async () => {
    const single = Object.assign(new Error('dup'), {
      code: 11000,
      writeErrors: { code: 11000, index: 2 },
    });
    const target: InsertTarget<Doc> = { insertMany: () => Promise.reject(single) };
    await expect(insertReportingDuplicates(target, docs('a', 'b', 'c'))).resolves.toEqual([2]);
  });
});
