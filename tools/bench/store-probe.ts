import { MongoClient, type Collection } from 'mongodb';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';

export interface StoreProbeOptions {
  mongoUri: string;
  database: string;
  /** Probed in the state the load left it in (its size is what makes a store slow or not). */
  collection: string;
  keysPerRequest: number;
  samples: number;
}

export interface StoreProbeResult {
  collection: string;
  entries: number;
  /** Median milliseconds of one round trip, sequentially; null when it took over 30 s. */
  insertManyMs: number | null;
  findOneByIdMs: number | null;
  findByIdInMs: number | null;
}

interface Entry {
  _id: string;
  at: Date;
}

/** A round trip is given up after this; a store that needs longer scans the whole collection. */
const MAX_TIME_MS = 30_000;

/**
 * What the store's round trips cost at the size the load left the service's dedupe collection:
 * an insertMany of one request's keys, a read by `_id`, and a read of a request's keys by `_id`
 * `$in`. On a store that uses its `_id` index the reads stay flat as the collection grows.
 */
export async function probeStore(options: StoreProbeOptions): Promise<StoreProbeResult> {
  const client = await new MongoClient(options.mongoUri, {
    serverSelectionTimeoutMS: 10_000,
  }).connect();
  try {
    const collection = client.db(options.database).collection<Entry>(options.collection);
    const entries = await collection.estimatedDocumentCount();
    const inserts: number[] = [];
    const reads: number[] = [];
    const readsIn: number[] = [];
    for (let sample = 0; sample < options.samples; sample++) {
      const keys = Array.from({ length: options.keysPerRequest }, () => `probe:${randomUUID()}`);
      inserts.push(await timed(() => insert(collection, keys)));
      reads.push(
        await timed(() => collection.findOne({ _id: keys[0] }, { maxTimeMS: MAX_TIME_MS })),
      );
      readsIn.push(
        await timed(() =>
          collection.find({ _id: { $in: keys } }, { maxTimeMS: MAX_TIME_MS }).toArray(),
        ),
      );
    }
    return {
      collection: options.collection,
      entries,
      insertManyMs: median(inserts),
      findOneByIdMs: median(reads),
      findByIdInMs: median(readsIn),
    };
  } finally {
    await client.close();
  }
}

async function insert(collection: Collection<Entry>, keys: string[]): Promise<void> {
  const at = new Date();
  await collection.insertMany(
    keys.map((_id) => ({ _id, at })),
    { ordered: false },
  );
}

/** Milliseconds, or Infinity when the store gave up (maxTimeMS) or failed. */
async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  try {
    await work();
    return performance.now() - start;
  } catch (error) {
    console.warn(`[bench] store round trip failed: ${String(error)}`);
    return Number.POSITIVE_INFINITY;
  }
}

function median(values: number[]): number | null {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted[Math.floor(sorted.length / 2)];
  return Number.isFinite(middle) ? Math.round(middle * 10) / 10 : null;
}
