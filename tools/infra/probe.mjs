#!/usr/bin/env node
// Readiness probes for tools/infra/infra.sh.
//
//   node tools/infra/probe.mjs kafka 127.0.0.1:9092
//   node tools/infra/probe.mjs mongo mongodb://127.0.0.1:27017/
//   node tools/infra/probe.mjs deps            (only checks that the client libraries resolve)
//
// Exit code 0 = ready (a real round trip succeeded), non-zero = not ready.
// Each attempt is bounded (PROBE_TIMEOUT_MS, default 30000) so the caller can retry in a loop.
//
// Client libraries (kafkajs 2.2.4, mongodb 6) are resolved with CommonJS resolution starting at
// this file, i.e. from the repository's node_modules; NODE_PATH is honoured as a fallback.
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';

const require = createRequire(import.meta.url);
const TIMEOUT_MS = Number(process.env.PROBE_TIMEOUT_MS || 30000);
const KAFKA_TOPIC = process.env.PROBE_KAFKA_TOPIC || 'tessera.infra-probe';
const MONGO_DB = process.env.PROBE_MONGO_DB || 'tessera_infra_probe';

function load(name) {
  try {
    return require(name);
  } catch (err) {
    if (err && err.code === 'MODULE_NOT_FOUND') {
      const e = new Error(
        `cannot resolve npm package '${name}' (run 'npm install' at the repo root, or set NODE_PATH)`,
      );
      e.exitCode = 3;
      throw e;
    }
    throw err;
  }
}

async function probeKafka(brokers) {
  const { Kafka, logLevel, Partitioners } = load('kafkajs');
  const kafka = new Kafka({
    clientId: 'tessera-infra-probe',
    brokers: brokers
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    requestTimeout: 10000,
    retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 2000 },
  });

  const admin = kafka.admin();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  const groupId = `tessera-infra-probe-${randomUUID()}`;
  const consumer = kafka.consumer({
    groupId,
    sessionTimeout: 10000,
    rebalanceTimeout: 10000,
    heartbeatInterval: 1000,
    maxWaitTimeInMs: 200,
  });
  const value = `probe-${randomUUID()}`;

  try {
    await admin.connect();
    const topics = await admin.listTopics();
    if (!topics.includes(KAFKA_TOPIC)) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic: KAFKA_TOPIC,
            numPartitions: 1,
            replicationFactor: 1,
            configEntries: [{ name: 'retention.ms', value: String(60 * 60 * 1000) }],
          },
        ],
      });
    }

    await producer.connect();
    await producer.send({ topic: KAFKA_TOPIC, acks: -1, messages: [{ key: 'probe', value }] });

    await consumer.connect();
    await consumer.subscribe({ topics: [KAFKA_TOPIC], fromBeginning: true });
    await new Promise((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ message }) => {
            if (message.value && message.value.toString() === value) resolve();
          },
        })
        .catch(reject);
      consumer.on(consumer.events.CRASH, (e) => reject(e.payload.error));
    });
  } finally {
    await consumer.disconnect().catch(() => {});
    await producer.disconnect().catch(() => {});
    await admin.deleteGroups([groupId]).catch(() => {});
    await admin.disconnect().catch(() => {});
  }
}

async function probeMongo(uri) {
  const { MongoClient } = load('mongodb');
  const client = new MongoClient(uri, {
    serverSelectionTimeoutMS: 3000,
    connectTimeoutMS: 3000,
    socketTimeoutMS: 10000,
    appName: 'tessera-infra-probe',
  });
  try {
    await client.connect();
    const coll = client.db(MONGO_DB).collection('probe');
    const value = `probe-${randomUUID()}`;
    const { insertedId } = await coll.insertOne({ value, at: new Date() });
    const doc = await coll.findOne({ _id: insertedId });
    if (!doc || doc.value !== value) {
      throw new Error(`read back ${JSON.stringify(doc)} instead of the inserted document`);
    }
    await coll.deleteOne({ _id: insertedId });
  } finally {
    await client.close().catch(() => {});
  }
}

async function main() {
  const [kind, target] = process.argv.slice(2);
  switch (kind) {
    case 'kafka':
      return probeKafka(target || process.env.KAFKA_BROKERS || '127.0.0.1:9092');
    case 'mongo':
    case 'ferretdb':
      return probeMongo(target || process.env.MONGODB_URI || 'mongodb://127.0.0.1:27017/');
    case 'deps':
      load('kafkajs');
      load('mongodb');
      return undefined;
    default: {
      const e = new Error(
        'usage: probe.mjs kafka <host:port[,host:port]> | mongo <mongodb-uri> | deps',
      );
      e.exitCode = 2;
      throw e;
    }
  }
}

const timer = setTimeout(() => {
  console.error(`probe ${process.argv[2]}: timed out after ${TIMEOUT_MS} ms`);
  process.exit(1);
}, TIMEOUT_MS);
timer.unref();

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`probe ${process.argv[2]}: ${err && err.message ? err.message : err}`);
    process.exit(err && err.exitCode ? err.exitCode : 1);
  },
);
