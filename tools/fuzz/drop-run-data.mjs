// Removes what one fuzz run created: the Kafka topics and consumer groups carrying its suffix, and
// its database. Nothing else is touched.
// Usage: node tools/fuzz/drop-run-data.mjs <topic-suffix> <database>
import { Kafka, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';

const [suffix, database] = process.argv.slice(2);
if (!suffix || !database) {
  console.error('usage: drop-run-data.mjs <topic-suffix> <database>');
  process.exit(2);
}

const mongo = await new MongoClient(process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017/', {
  serverSelectionTimeoutMS: 10_000,
}).connect();
try {
  await mongo.db(database).dropDatabase();
} finally {
  await mongo.close();
}

const kafka = new Kafka({
  brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
  clientId: `tessera-fuzz-cleanup-${suffix}`,
  logLevel: logLevel.NOTHING,
});
const admin = kafka.admin();
await admin.connect();
try {
  const ours = (await admin.listTopics()).filter((topic) => topic.endsWith(`.${suffix}`));
  if (ours.length > 0) await admin.deleteTopics({ topics: ours, timeout: 30_000 });
  const groups = (await admin.listGroups()).groups
    .map((group) => group.groupId)
    .filter((groupId) => groupId.endsWith(`.${suffix}`));
  // Best effort: a group the broker still sees members of, or already dropped, expires on its own.
  if (groups.length > 0) {
    await admin
      .deleteGroups(groups)
      .catch((error) => console.warn(`consumer groups not deleted: ${error.message}`));
  }
} finally {
  await admin.disconnect();
}
