import { TestRun } from '@tessera/testing';
import { MongoClient, type Collection } from 'mongodb';

/**
 * What the services rely on from the store, checked on the store the suite runs against. With
 * FerretDB's SQLite backend these hold only with the patches in tools/infra/ferretdb/patches:
 * unpatched, every read, update and delete by `_id` scanned the whole table and a delete
 * matching more than 32,766 documents failed with "too many SQL variables".
 */
describe('the store: lookups by _id', () => {
  const run = TestRun.create('store-id');
  let client: MongoClient;
  let collection: Collection<{ _id: string; n: number }>;
  let isFerretDb = false;

  beforeAll(async () => {
    client = await MongoClient.connect(run.mongoUri);
    const db = client.db(run.database('tessera_store_id'));
    collection = db.collection('entries');
    const info = await client.db('admin').command({ buildInfo: 1 });
    isFerretDb = typeof info.ferretdbVersion === 'string';
    const entries = Array.from({ length: 40_000 }, (_, n) => ({ _id: `k${n}`, n }));
    for (let start = 0; start < entries.length; start += 5_000) {
      await collection.insertMany(entries.slice(start, start + 5_000), { ordered: false });
    }
  }, 120_000);

  afterAll(async () => {
    await client?.close();
    await run.cleanup();
  });

  /** The plan the store reports, as text: SQLite's EXPLAIN QUERY PLAN on FerretDB, the winning plan on MongoDB. */
  async function planOf(filter: object): Promise<string> {
    const explained = await collection.find(filter).explain();
    return JSON.stringify(explained.queryPlanner);
  }

  it('finds one document by _id through the _id index', async () => {
    expect(await collection.findOne({ _id: 'k31337' })).toEqual({ _id: 'k31337', n: 31337 });
    const plan = await planOf({ _id: 'k31337' });
    expect(plan).toMatch(isFerretDb ? /SEARCH \S+ USING INDEX \S+__id_/ : /IDHACK|EXPRESS|IXSCAN/);
  });

  it('finds documents by _id $in through the _id index, and only those', async () => {
    const ids = ['k7', 'k39999', 'k20000', 'missing'];
    const found = await collection.find({ _id: { $in: ids } }).toArray();
    expect(found.map((entry) => entry._id).sort()).toEqual(['k20000', 'k39999', 'k7']);
    const plan = await planOf({ _id: { $in: ids } });
    expect(plan).toMatch(isFerretDb ? /SEARCH \S+ USING INDEX \S+__id_/ : /IXSCAN|EXPRESS|IDHACK/);
    // Other conditions next to _id are still applied.
    const narrowed = await collection.find({ _id: { $in: ids }, n: { $gt: 10 } }).toArray();
    expect(narrowed.map((entry) => entry._id).sort()).toEqual(['k20000', 'k39999']);
  });

  it('narrows by the _id index when other conditions come with _id, and still applies them', async () => {
    expect(await collection.findOne({ _id: 'k123', n: 123 })).toEqual({ _id: 'k123', n: 123 });
    expect(await collection.findOne({ _id: 'k123', n: 124 })).toBeNull();
    const plan = await planOf({ _id: 'k123', n: { $gte: 0 } });
    expect(plan).toMatch(isFerretDb ? /SEARCH \S+ USING INDEX \S+__id_/ : /IDHACK|EXPRESS|IXSCAN/);
  });

  it('updates and deletes by _id', async () => {
    await collection.updateOne({ _id: 'k5' }, { $set: { n: -5 } });
    await collection.replaceOne({ _id: 'k6' }, { n: -6 });
    await collection.deleteOne({ _id: 'k8' });
    const found = await collection.find({ _id: { $in: ['k5', 'k6', 'k8'] } }).toArray();
    expect(found.sort((a, b) => a._id.localeCompare(b._id))).toEqual([
      { _id: 'k5', n: -5 },
      { _id: 'k6', n: -6 },
    ]);
  });

  it('deletes more documents in one call than SQLite accepts variables in one statement', async () => {
    const result = await collection.deleteMany({ n: { $gte: 1_000 } });
    expect(result.deletedCount).toBe(39_000);
    expect(await collection.countDocuments()).toBe(1_000 - 1);
  });
});
