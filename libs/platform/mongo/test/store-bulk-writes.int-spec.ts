import { TestRun } from '@tessera/testing';
import { MongoClient, type Collection } from 'mongodb';

interface Doc {
  _id: string;
  lock: string | null;
  n: number;
}

/**
 * Bulk writes of many statements, which the identity service sends once per Kafka batch. FerretDB
 * 1.24 (SQLite) kept every statement's read open until the whole update command ended, so a
 * command of 100 statements or more used up its connection pool and hung for ever (and with it
 * every later write to the database); tools/infra/ferretdb/patches/0004 closes them per statement.
 */
describe('the store: bulk writes of many statements', () => {
  const run = TestRun.create('store-bulk');
  let client: MongoClient;
  let docs: Collection<Doc>;

  beforeAll(async () => {
    client = await MongoClient.connect(run.mongoUri);
    docs = client.db(run.database('tessera_store_bulk')).collection<Doc>('docs');
    await docs.insertMany(Array.from({ length: 600 }, (_, n) => ({ _id: `d${n}`, lock: null, n })));
  });

  afterAll(async () => {
    await client.close();
    await run.cleanup();
  });

  it('applies an ordered bulk of 600 conditional updates, each to its own document', async () => {
    const result = await docs.bulkWrite(
      Array.from({ length: 600 }, (_, n) => ({
        updateOne: {
          filter: { _id: `d${n}`, lock: null },
          update: { $set: { lock: `owner-${n % 7}` }, $inc: { n: 1 } },
        },
      })),
      { ordered: true },
    );
    expect(result.matchedCount).toBe(600);
    expect(result.modifiedCount).toBe(600);
    const after = await docs.find({}).sort({ _id: 1 }).toArray();
    expect(after).toHaveLength(600);
    for (const doc of after) {
      const n = Number(doc._id.slice(1));
      expect(doc).toEqual({ _id: doc._id, lock: `owner-${n % 7}`, n: n + 1 });
    }
  });

  it('matches none of a bulk whose conditions no longer hold, and still takes writes after', async () => {
    const result = await docs.bulkWrite(
      Array.from({ length: 300 }, (_, n) => ({
        updateOne: { filter: { _id: `d${n}`, lock: null }, update: { $set: { lock: 'late' } } },
      })),
      { ordered: false },
    );
    expect(result.matchedCount).toBe(0);
    await docs.insertOne({ _id: 'after', lock: null, n: 0 });
    expect(await docs.countDocuments({ _id: 'after' })).toBe(1);
  });
});
