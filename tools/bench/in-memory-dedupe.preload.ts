// Diagnostic only (BENCH_DEDUPE=memory): preloaded into the ingestion process, it answers the
// operations on the service's `dedupe` collection from a Map instead of the store, whatever the
// repository does with them, so a run shows what the service does once the store is not what
// bounds it. Only the operations and filters a dedupe window needs are understood: `_id`
// equality and `$in`, `$lt`/`$lte`/`$gt`/`$gte`, equality on other fields, `$set`. The figures of
// such a run are not the product's.
import { createRequire } from 'node:module';
import path from 'node:path';

type Doc = Record<string, unknown> & { _id: string };
type Filter = Record<string, unknown>;
type Method = (this: { name: string }, ...args: unknown[]) => unknown;

const COLLECTION = 'dedupe';
const DUPLICATE_KEY = 11000;

// mongoose as the service resolves it, so the prototype patched is the one its models use.
const serviceRequire = createRequire(path.resolve(__dirname, '../../apps/ingestion/src/main.ts'));
const NativeCollection = serviceRequire('mongoose/lib/drivers/node-mongodb-native/collection') as {
  prototype: Record<string, Method>;
};

const docs = new Map<string, Doc>();

const inMemory: Record<string, (...args: never[]) => unknown> = {
  insertMany(batch: Doc[]) {
    const writeErrors: { code: number; index: number }[] = [];
    batch.forEach((doc, index) => {
      if (docs.has(doc._id)) writeErrors.push({ code: DUPLICATE_KEY, index });
      else docs.set(doc._id, { ...doc });
    });
    if (writeErrors.length > 0) {
      throw Object.assign(new Error('E11000 duplicate key error'), {
        name: 'MongoBulkWriteError',
        code: DUPLICATE_KEY,
        writeErrors,
      });
    }
    return { acknowledged: true, insertedCount: batch.length };
  },
  insertOne(doc: Doc) {
    if (docs.has(doc._id)) {
      throw Object.assign(new Error('E11000 duplicate key error'), { code: DUPLICATE_KEY });
    }
    docs.set(doc._id, { ...doc });
    return { acknowledged: true, insertedId: doc._id };
  },
  findOne(filter: Filter) {
    const [found] = select(filter, 1);
    return found ? { ...found } : null;
  },
  find(filter: Filter) {
    const found = select(filter).map((doc) => ({ ...doc }));
    return { toArray: () => Promise.resolve(found) };
  },
  replaceOne(filter: Filter, replacement: Filter, options: { upsert?: boolean } = {}) {
    const [found] = select(filter, 1);
    const id = found?._id ?? (filter._id as string);
    if (!found && !options.upsert) return { matchedCount: 0, modifiedCount: 0, upsertedCount: 0 };
    docs.set(id, { ...replacement, _id: id });
    return {
      matchedCount: found ? 1 : 0,
      modifiedCount: found ? 1 : 0,
      upsertedCount: found ? 0 : 1,
    };
  },
  updateMany(filter: Filter, update: { $set?: Filter }) {
    const found = select(filter);
    for (const doc of found) Object.assign(doc, update.$set ?? {});
    return { matchedCount: found.length, modifiedCount: found.length };
  },
  deleteMany(filter: Filter) {
    const found = select(filter);
    for (const doc of found) docs.delete(doc._id);
    return { deletedCount: found.length };
  },
  estimatedDocumentCount() {
    return docs.size;
  },
};

for (const [method, implementation] of Object.entries(inMemory)) {
  const original = NativeCollection.prototype[method];
  NativeCollection.prototype[method] = function (this: { name: string }, ...args: unknown[]) {
    if (this.name !== COLLECTION) return original.apply(this, args);
    try {
      const result = (implementation as (...values: unknown[]) => unknown)(...args);
      // find() answers a cursor; everything else a promise, as the driver does.
      return method === 'find' ? result : Promise.resolve(result);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  };
}

function select(filter: Filter, limit = Number.POSITIVE_INFINITY): Doc[] {
  const id = filter._id;
  if (typeof id === 'string') {
    const doc = docs.get(id);
    return doc && matches(doc, filter) ? [doc] : [];
  }
  const candidates = isIn(id) ? id.$in.map((key) => docs.get(key)) : [...docs.values()];
  const found: Doc[] = [];
  for (const doc of candidates) {
    if (found.length >= limit) break;
    if (doc && matches(doc, filter)) found.push(doc);
  }
  return found;
}

function matches(doc: Doc, filter: Filter): boolean {
  return Object.entries(filter).every(([field, condition]) => {
    const value = doc[field];
    if (!isOperators(condition)) return same(value, condition);
    return Object.entries(condition).every(([operator, operand]) => {
      switch (operator) {
        case '$in':
          return (operand as unknown[]).some((candidate) => same(value, candidate));
        case '$lt':
          return order(value) < order(operand);
        case '$lte':
          return order(value) <= order(operand);
        case '$gt':
          return order(value) > order(operand);
        case '$gte':
          return order(value) >= order(operand);
        default:
          throw new Error(`in-memory dedupe: filter operator ${operator} is not understood`);
      }
    });
  });
}

function isOperators(condition: unknown): condition is Record<string, unknown> {
  return (
    typeof condition === 'object' &&
    condition !== null &&
    !(condition instanceof Date) &&
    Object.keys(condition).every((key) => key.startsWith('$'))
  );
}

function isIn(condition: unknown): condition is { $in: string[] } {
  return isOperators(condition) && Array.isArray(condition.$in);
}

function same(a: unknown, b: unknown): boolean {
  return order(a) === order(b);
}

/** Dates compare by time; ids and other values as they are. */
function order(value: unknown): number | string {
  return value instanceof Date ? value.getTime() : (value as number | string);
}
