import { AvroCodec, eventKeyOf, TOPICS, type Event, type ResolvedEvent } from '@tessera/contracts';
import { connectedComponents } from '@tessera/identity';
import { KafkaPublisher } from '@tessera/platform-kafka';
import { eventually, freePort, TestRun } from '@tessera/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MongoClient } from 'mongodb';
import { keysOf, samePartition, stream } from './event-stream';
import { readStoredGraph, type StoredGraph } from './stored-graph';

const ROOT = join(__dirname, '..', '..', '..');
const REPLICAS = 4;
const EVENTS = Number(process.env.IDENTITY_KILLS_EVENTS ?? 2_000);
const SEED = Number(process.env.IDENTITY_KILLS_SEED ?? 4242);

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

/** Four replica processes on one run's topics and database, a killer, and what they published. */
class Cluster {
  readonly run: TestRun;
  readonly codec = new AvroCodec();
  readonly resolved = new Map<string, ResolvedEvent>();
  readonly replicas: Replica[] = [];
  private readonly publisher: KafkaPublisher;
  private readonly readers: { disconnect(): Promise<void> }[] = [];
  private database = '';

  constructor(name: string) {
    this.run = TestRun.create(name);
    this.publisher = new KafkaPublisher(this.run.kafka);
  }

  async start(rules: Record<string, string>): Promise<void> {
    const env: Record<string, string> = {
      ...this.run.serviceEnv('identity'),
      KAFKA_TOPIC_PARTITIONS: '8',
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      IDENTITY_LOCK_LEASE_MS: '2000',
      LOG_LEVEL: process.env.IDENTITY_KILLS_LOG ? 'warn' : 'error',
      ...rules,
    };
    this.database = env.MONGODB_DATABASE;
    for (let n = 0; n < REPLICAS; n++) this.replicas.push(new Replica(await freePort(), env));
    for (const replica of this.replicas) replica.start();
    await Promise.all(this.replicas.map((replica) => replica.ready()));
    await this.publisher.connect();
    const reader = this.run.kafka.consumer({ groupId: `reader-${randomUUID()}` });
    this.readers.push(reader);
    await reader.connect();
    await reader.subscribe({
      topic: this.run.topics.resolve(TOPICS.resolvedEvents),
      fromBeginning: true,
    });
    await reader.run({
      eachMessage: async ({ message }) => {
        const event = this.codec.decodeAs('ResolvedEvent', message.value!);
        this.resolved.set(event.messageId, event);
      },
    });
  }

  async stop(): Promise<void> {
    await Promise.all(this.replicas.map((replica) => replica.stop()));
    await Promise.all(this.readers.map((reader) => reader.disconnect()));
    await this.publisher.disconnect();
    await this.run.cleanup();
  }

  /**
   * Publishes the events over about 20 s while one replica at a time is SIGKILLed every 1.5-3.5 s
   * and restarted, then waits until every event was resolved. Returns the number of kills.
   */
  async runWithKills(events: Event[], seed: number): Promise<number> {
    let random = seed;
    const pick = (n: number) => {
      random = (Math.imul(random, 48_271) + 11) >>> 1;
      return random % n;
    };
    let publishing = true;
    const killer = (async () => {
      while (publishing) {
        await sleep(1_500 + pick(2_000));
        const victim = this.replicas[pick(REPLICAS)];
        victim.kill();
        await sleep(pick(500));
        victim.start();
      }
    })();
    for (let start = 0; start < events.length; start += 100) {
      await this.publish(events.slice(start, start + 100));
      await sleep(1_000);
    }
    // Keep killing a little longer while the backlog is worked off.
    await sleep(3_000);
    publishing = false;
    await killer;
    await eventually(
      () => events.every((event) => this.resolved.has(event.messageId)),
      300_000,
      'every event resolved',
    ).catch((error: Error) => {
      const missing = events.filter((event) => !this.resolved.has(event.messageId));
      throw new Error(
        `${error.message}: ${missing.length} of ${events.length} not resolved, e.g. ${missing
          .slice(0, 3)
          .map((event) => event.messageId)
          .join(', ')}`,
      );
    });
    return this.replicas.reduce((sum, replica) => sum + replica.kills, 0);
  }

  /** The graph as the store holds it. */
  async graph(): Promise<StoredGraph> {
    const mongo = await MongoClient.connect(this.run.mongoUri);
    try {
      return await readStoredGraph(mongo.db(this.database));
    } finally {
      await mongo.close();
    }
  }

  private async publish(events: Event[]): Promise<void> {
    await this.publisher.publish({
      [this.run.topics.resolve(TOPICS.acceptedEvents)]: events.map((event) => ({
        key: this.codec.encode('EventKey', eventKeyOf(event)),
        value: this.codec.encode('Event', event),
      })),
    });
  }
}

/**
 * The key requirement of the identity service: four replicas as separate processes, SIGKILLed at
 * random moments and restarted while a stream of linking events runs through them.
 */
describe('identity with 4 replica processes killed and restarted at random', () => {
  describe('without rules', () => {
    const cluster = new Cluster('identity-kills');

    beforeAll(
      () => cluster.start({ IDENTITY_LIMITS: 'user_id=1000', IDENTITY_DEFAULT_LIMIT: '1000' }),
      120_000,
    );
    afterAll(() => cluster.stop(), 60_000);

    it('comes out as the connected components of the events, every event resolved', async () => {
      const events = stream(SEED, EVENTS, `k${SEED}`);
      expect(await cluster.runWithKills(events, SEED)).toBeGreaterThanOrEqual(5);
      const { groups, rootOf } = await cluster.graph();
      expect(samePartition(groups, connectedComponents(events.map(keysOf)))).toBe(true);
      // Every resolved event names its identifiers' profile, or one merged into it since.
      for (const event of events) {
        const profileId = cluster.resolved.get(event.messageId)!.profileId;
        expect(rootOf(profileId)).toBe(groups.get(keysOf(event)[0]));
      }
    }, 420_000);
  });

  describe('with the default rules', () => {
    const cluster = new Cluster('identity-kills-rules');

    beforeAll(() => cluster.start({}), 120_000);
    afterAll(() => cluster.stop(), 60_000);

    it('breaks no rule, keeps every identifier in one live profile, and records every merge once', async () => {
      const events = stream(SEED + 1, EVENTS, `r${SEED}`);
      expect(await cluster.runWithKills(events, SEED + 1)).toBeGreaterThanOrEqual(5);
      const { groups, roots, merged, merges } = await cluster.graph();
      const held = new Map<string, string>();
      for (const root of roots) {
        expect(
          root.members.filter((member) => member.type === 'user_id').length,
        ).toBeLessThanOrEqual(1);
        for (const member of root.members) {
          const key = `${member.type}:${member.value}`;
          expect(held.has(key)).toBe(false);
          held.set(key, root._id);
        }
      }
      // What the live profiles hold is exactly what the identifier links say.
      expect(new Map([...held].sort())).toEqual(new Map([...groups].sort()));
      // Every merged profile was merged once, into the profile its record names.
      for (const profile of merged) expect(merges.get(profile._id)?.into).toBe(profile.parent);
      expect(merges.size).toBe(merged.length);
    }, 420_000);
  });
});
