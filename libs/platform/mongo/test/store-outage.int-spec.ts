import { isTransientError } from '@tessera/platform-kafka';
import { StoreLink, TestRun } from '@tessera/testing';
import { MongoClient, type Collection } from 'mongodb';
import { insertReportingDuplicates, type InsertTarget } from '../src';

interface Doc {
  _id: string;
  n: number;
}

/**
 * Inserts while the store is away, through a link that is cut (what a store restart does to a
 * service's connections): the driver wraps the dropped or refused connection in a
 * MongoBulkWriteError with no write errors. Such a write must fail, as a transient error the
 * consumer retries; reported as done, the services went on as if their documents were stored.
 */
describe('inserts while the store is unreachable', () => {
  const run = TestRun.create('store-outage');
  let link: StoreLink;
  let proxied: MongoClient;
  let direct: MongoClient;
  let through: Collection<Doc>;
  let stored: Collection<Doc>;

  beforeAll(async () => {
    link = await StoreLink.open(run.mongoUri);
    proxied = await MongoClient.connect(link.uri, { serverSelectionTimeoutMS: 1_500 });
    direct = await MongoClient.connect(run.mongoUri);
    const database = run.database('tessera_store_outage');
    through = proxied.db(database).collection<Doc>('docs');
    stored = direct.db(database).collection<Doc>('docs');
  });

  afterAll(async () => {
    await proxied.close(true);
    await direct.close();
    await link.close();
    await run.cleanup();
  });

  const insert = (ids: string[]) =>
    insertReportingDuplicates(
      through as unknown as InsertTarget<Doc>,
      ids.map((id, n) => ({ _id: id, n })),
    );

  it('reports duplicates, and only those, while the store is there', async () => {
    await expect(insert(['a', 'b'])).resolves.toEqual([]);
    await expect(insert(['c', 'a', 'd', 'b'])).resolves.toEqual([1, 3]);
    expect((await stored.find().sort({ _id: 1 }).toArray()).map((doc) => doc._id)).toEqual([
      'a',
      'b',
      'c',
      'd',
    ]);
  });

  it('rejects, with a transient error, an insert the store never got', async () => {
    link.down();
    let failure: unknown = 'resolved';
    try {
      failure = await insert(['e', 'f']).then(
        (duplicates) => `resolved with duplicates [${duplicates.join(', ')}]`,
        (error: unknown) => error,
      );
    } finally {
      link.up();
    }
    expect(failure).toBeInstanceOf(Error);
    expect(isTransientError(failure)).toBe(true);
    expect(await stored.countDocuments({ _id: { $in: ['e', 'f'] } })).toBe(0);
    // Once the store is back, the retry writes them.
    await expect(insert(['e', 'f'])).resolves.toEqual([]);
    expect(await stored.countDocuments({ _id: { $in: ['e', 'f'] } })).toBe(2);
  });
});
