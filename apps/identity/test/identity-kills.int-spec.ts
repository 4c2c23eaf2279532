import { AvroCodec, TOPICS, type Event, type ResolvedEvent } from '@tessera/contracts';
import { connectedComponents } from '@tessera/identity';
import { KafkaPublisher } from '@tessera/platform-kafka';
import { eventually, TestRun } from '@tessera/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MongoClient } from 'mongodb';
import { keysOf, samePartition, stream } from './event-stream';

const ROOT = join(__dirname, '..', '..', '..');
const REPLICAS = 4;
const EVENTS = Number(process.env.IDENTITY_KILLS_EVENTS ?? 2_000);
const SEED = Number(process.env.IDENTITY_KILLS_SEED ?? 4242);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** One identity replica as its own process, started from source as `npm start` does. */
class Replica {
  private child: ChildProcess | undefined;
  kills = 0;

  constructor(
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  start(): void {
    this.child = spawn(
      process.execPath,
      ['-r', '@swc-node/register', 'apps/identity/src/main.ts'],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          ...this.env,
          PORT: String(this.port),
          SWC_NODE_PROJECT: 'tsconfig.base.json',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    // IDENTITY_KILLS_LOG=<path prefix> keeps each replica's output, for a failure to be read.
    const prefix = process.env.IDENTITY_KILLS_LOG;
    const log = (chunk: Buffer) => prefix && appendFileSync(`${prefix}-${this.port}.log`, chunk);
    this.child.stdout?.on('data', log);
    this.child.stderr?.on('data', log);
  }

  kill(): void {
    this.child?.kill('SIGKILL');
    this.kills += 1;
  }

  async ready(): Promise<void> {
    await eventually(
      () =>
        fetch(`http://127.0.0.1:${this.port}/health/ready`).then(
          (response) => response.ok,
          () => false,
        ),
      60_000,
      `replica on ${this.port} ready`,
    );
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(15_000).then(() => child.kill('SIGKILL'))]);
  }
}

/**
 * The key requirement of the identity service: four replicas as separate processes, SIGKILLed at
 * random moments and restarted while a stream of linking events runs through them. Without
 * rules, the groups of identifiers must come out as the connected components of the events.
 */
describe('identity with 4 replica processes killed and restarted at random', () => {
  const run = TestRun.create('identity-kills');
  const codec = new AvroCodec();
  const publisher = new KafkaPublisher(run.kafka);
  const resolved = new Map<string, ResolvedEvent>();
  const replicas: Replica[] = [];
  let database: string;

  beforeAll(async () => {
    const env: Record<string, string> = {
      ...run.serviceEnv('identity'),
      KAFKA_TOPIC_PARTITIONS: '8',
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      IDENTITY_LOCK_LEASE_MS: '2000',
      IDENTITY_LIMITS: 'user_id=1000',
      IDENTITY_DEFAULT_LIMIT: '1000',
      LOG_LEVEL: process.env.IDENTITY_KILLS_LOG ? 'warn' : 'error',
    };
    database = env.MONGODB_DATABASE;
    for (let n = 0; n < REPLICAS; n++) replicas.push(new Replica(await freePort(), env));
    for (const replica of replicas) replica.start();
    await Promise.all(replicas.map((replica) => replica.ready()));
    await publisher.connect();
    const reader = run.kafka.consumer({ groupId: `reader-${randomUUID()}` });
    await reader.connect();
    await reader.subscribe({
      topic: run.topics.resolve(TOPICS.resolvedEvents),
      fromBeginning: true,
    });
    await reader.run({
      eachMessage: async ({ message }) => {
        const event = codec.decodeAs('ResolvedEvent', message.value!);
        resolved.set(event.messageId, event);
      },
    });
    readers.push(reader);
  }, 120_000);

  const readers: { disconnect(): Promise<void> }[] = [];

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    await Promise.all(readers.map((reader) => reader.disconnect()));
    await publisher.disconnect();
    await run.cleanup();
  }, 60_000);

  async function publish(events: Event[]): Promise<void> {
    await publisher.publish({
      [run.topics.resolve(TOPICS.acceptedEvents)]: events.map((event) => ({
        key: codec.encode('EventKey', {
          key: event.userId ?? event.anonymousId ?? event.messageId,
        }),
        value: codec.encode('Event', event),
      })),
    });
  }

  it('comes out as the connected components of the events, every event resolved', async () => {
    const events = stream(SEED, EVENTS, `k${SEED}`);
    let random = SEED;
    const pick = (n: number) => {
      random = (Math.imul(random, 48_271) + 11) >>> 1;
      return random % n;
    };
    let publishing = true;
    const killer = (async () => {
      while (publishing) {
        await sleep(1_500 + pick(2_000));
        const victim = replicas[pick(REPLICAS)];
        victim.kill();
        await sleep(pick(500));
        victim.start();
      }
    })();
    // About 20 s of publishing, so that kills land throughout the stream.
    for (let start = 0; start < events.length; start += 100) {
      await publish(events.slice(start, start + 100));
      await sleep(1_000);
    }
    // Keep killing a little longer while the backlog is worked off.
    await sleep(3_000);
    publishing = false;
    await killer;
    await eventually(
      () => events.every((event) => resolved.has(event.messageId)),
      300_000,
      'every event resolved',
    ).catch((error: Error) => {
      const missing = events.filter((event) => !resolved.has(event.messageId));
      throw new Error(
        `${error.message}: ${missing.length} of ${events.length} not resolved, e.g. ${missing
          .slice(0, 3)
          .map((event) => event.messageId)
          .join(', ')}`,
      );
    });
    const kills = replicas.reduce((sum, replica) => sum + replica.kills, 0);
    expect(kills).toBeGreaterThanOrEqual(5);

    const mongo = await MongoClient.connect(run.mongoUri);
    try {
      const db = mongo.db(database);
      const parents = new Map(
        (
          await db.collection<{ _id: string; parent: string | null }>('profiles').find().toArray()
        ).map((profile) => [profile._id, profile.parent]),
      );
      const rootOf = (id: string): string => {
        const parent = parents.get(id);
        return parent ? rootOf(parent) : id;
      };
      const links = await db
        .collection<{ _id: string; profile: string }>('identifiers')
        .find()
        .toArray();
      const groups = new Map(links.map((link) => [link._id, rootOf(link.profile)]));
      expect(samePartition(groups, connectedComponents(events.map(keysOf)))).toBe(true);
      // Every resolved event names a profile that is, or was merged into, its identifiers' profile.
      for (const event of events) {
        const profileId = resolved.get(event.messageId)!.profileId;
        expect(rootOf(profileId)).toBe(groups.get(keysOf(event)[0]));
      }
    } finally {
      await mongo.close();
    }
  }, 420_000);
});
