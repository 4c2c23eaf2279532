// Diagnostic: FerretDB's CPU per inserted document for several shapes of dedupe entry, on a
// collection pre-filled like a busy dedupe window. Needs the store of tools/infra running (it
// reads the CPU of the local tessera-ferretdb process from /proc).
//   node tools/bench/store-insert-cost.mjs [prefill=300000]
import { MongoClient } from 'mongodb';
import { execSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';

const pid = execSync("pgrep -f 'tessera-ferretdb' | head -1").toString().trim();
const cpuSeconds = () => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const client = await MongoClient.connect(process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017/');
const db = client.db(`tessera_store_insert_cost_${process.pid}`);
const source = randomUUID();
const longId = () => `c:${source}:${randomUUID()}`;
const shortId = () =>
  createHash('sha256').update(`${source}:${randomUUID()}`).digest('base64url').slice(0, 22);
const prefill = Number(process.argv[2] ?? 300_000);
const total = 40_000;
const request = randomUUID();

async function measure(name, { atIndex, entry }) {
  const collection = db.collection(name);
  if (atIndex) await collection.createIndex({ at: 1 });
  for (let n = 0; n < prefill; n += 5_000)
    await collection.insertMany(Array.from({ length: 5_000 }, entry), { ordered: false });
  let inserted = 0;
  const cpuBefore = cpuSeconds();
  const started = performance.now();
  const writer = async () => {
    while (inserted < total) {
      const batch = Array.from({ length: 600 }, entry);
      inserted += batch.length;
      await collection.insertMany(batch, { ordered: false });
    }
  };
  await Promise.all([writer(), writer()]);
  const seconds = (performance.now() - started) / 1000;
  const perDocument = ((cpuSeconds() - cpuBefore) * 1e6) / inserted;
  console.log(
    `${name.padEnd(36)} ${String(Math.round(inserted / seconds)).padStart(6)} docs/s  ${perDocument.toFixed(1)} µs of FerretDB CPU per document`,
  );
}

try {
  await measure('long id, at, r, index on at', {
    atIndex: true,
    entry: () => ({ _id: longId(), at: new Date(), r: request }),
  });
  await measure('digest id, at, r (the service)', {
    atIndex: false,
    entry: () => ({ _id: shortId(), at: new Date(), r: request }),
  });
  await measure('digest id only', { atIndex: false, entry: () => ({ _id: shortId() }) });
} finally {
  await db.dropDatabase();
  await client.close();
}
