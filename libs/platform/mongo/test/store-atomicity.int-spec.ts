import { TestRun } from '@tessera/testing';
import { MongoClient, type Db } from 'mongodb';

/**
 * Single-document atomicity the services build on (conditional updates as compare-and-set,
 * `$inc` counters), checked with concurrent connections on the store the suite runs against.
 * FerretDB 1.24 (SQLite) gives it only with tools/infra/ferretdb/patches/0003: unpatched,
 * several conditional updates of one document won and concurrent `$inc`s were lost.
 */
describe('the store: single-document atomicity under concurrent connections', () => {
  const run = TestRun.create('store-atomic');
  const clients: MongoClient[] = [];
  let databases: Db[];

  beforeAll(async () => {
    for (let n = 0; n < 4; n++) clients.push(await MongoClient.connect(run.mongoUri));
    const name = run.database('tessera_store_atomic');
    databases = clients.map((client) => client.db(name));
  });

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await run.cleanup();
  });

  const on = (n: number) => databases[n % databases.length].collection<{ _id: string }>('docs');

  it('lets exactly one of concurrent conditional updates of a document win', async () => {
    for (let round = 0; round < 30; round++) {
      const _id = `cas-${round}`;
      await on(0).insertOne({ _id, version: 0 } as never);
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, n) =>
          on(n).updateOne({ _id, version: 0 }, { $set: { version: 1, winner: n } }),
        ),
      );
      expect(results.filter((result) => result.modifiedCount === 1)).toHaveLength(1);
    }
  });

  it('loses no concurrent $inc', async () => {
    await on(0).insertOne({ _id: 'counter', n: 0 } as never);
    await Promise.all(
      Array.from({ length: 200 }, (_, n) =>
        on(n).updateOne({ _id: 'counter' }, { $inc: { n: 1 } }),
      ),
    );
    expect(await on(0).findOne({ _id: 'counter' })).toEqual({ _id: 'counter', n: 200 });
  });

  it('hands a document to exactly one of concurrent findOneAndUpdate claims', async () => {
    await on(0).insertOne({ _id: 'job', owner: null } as never);
    const claims = await Promise.all(
      Array.from({ length: 12 }, (_, n) =>
        on(n).findOneAndUpdate(
          { _id: 'job', owner: null },
          {
            $set: { owner: `worker-${n}` },
          },
        ),
      ),
    );
    expect(claims.filter((claim) => claim !== null)).toHaveLength(1);
  });
});
