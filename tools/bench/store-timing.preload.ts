// Diagnostic only (BENCH_STORE_TIMING=1): preloaded into a service, it times every store call the
// service makes through mongoose's collections (wall time from call to answer, per collection and
// operation, with the documents each moved) and prints the totals to stderr as one
// `store-timing {...}` line when the process exits, so a bench run shows where the store's time
// goes. It changes nothing the service does.
import { createRequire } from 'node:module';
import path from 'node:path';

type Method = (this: { name: string }, ...args: unknown[]) => unknown;

const serviceRequire = createRequire(path.resolve(__dirname, '../../apps/identity/src/main.ts'));
const NativeCollection = serviceRequire('mongoose/lib/drivers/node-mongodb-native/collection') as {
  prototype: Record<string, Method>;
};

const totals = new Map<string, { calls: number; documents: number; ms: number }>();

function record(name: string, started: number, documents: number): void {
  const entry = totals.get(name) ?? { calls: 0, documents: 0, ms: 0 };
  entry.calls += 1;
  entry.documents += documents;
  entry.ms += performance.now() - started;
  totals.set(name, entry);
}

const counted: Record<string, (args: unknown[]) => number> = {
  insertMany: (args) => (args[0] as unknown[]).length,
  bulkWrite: (args) => (args[0] as unknown[]).length,
  updateMany: () => 1,
  updateOne: () => 1,
  replaceOne: () => 1,
};

for (const [method, documents] of Object.entries(counted)) {
  const original = NativeCollection.prototype[method];
  NativeCollection.prototype[method] = function (this: { name: string }, ...args: unknown[]) {
    const started = performance.now();
    const result = original.apply(this, args) as Promise<unknown>;
    const done = () => record(`${this.name}.${method}`, started, documents(args));
    result.then(done, done);
    return result;
  };
}

const originalFind = NativeCollection.prototype.find;
NativeCollection.prototype.find = function (this: { name: string }, ...args: unknown[]) {
  const cursor = originalFind.apply(this, args) as { toArray: () => Promise<unknown[]> };
  const toArray = cursor.toArray.bind(cursor);
  cursor.toArray = async () => {
    const started = performance.now();
    const found = await toArray();
    record(`${this.name}.find`, started, found.length);
    return found;
  };
  return cursor;
};

process.on('exit', () => {
  const summary = Object.fromEntries(
    [...totals].map(([name, t]) => [
      name,
      { calls: t.calls, documents: t.documents, ms: Math.round(t.ms) },
    ]),
  );
  process.stderr.write(`store-timing ${JSON.stringify(summary)}\n`);
});
