import { AvroCodec, TOPICS, type ProfileSnapshot } from '@tessera/contracts';
import {
  differences,
  FAULT_AUDIENCES,
  observedProfiles,
  referenceProfiles,
  scriptedStream,
  SeededRandom,
  type ScriptedCall,
} from '@tessera/faults';
import { eventually, TestRun, WebhookReceiver } from '@tessera/testing';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadFaultsConfig } from './faults-config';
import { Fleet, type ServiceName } from './fleet';
import { restartInfra } from './infra-faults';
import { poisonBurst, type PoisonRecord } from './poison';
import { consumerLag, readTopic } from './topics';
import { expectedChanges, FlakyEndpoint } from './webhooks';

const config = loadFaultsConfig();
jest.setTimeout(config.settleTimeoutMs + 3_600_000);

/** Faster failure detection than production defaults, so a run's faults heal within minutes. */
const FAULT_ENV: Record<ServiceName, Record<string, string>> = {
  ingestion: { KAFKA_SESSION_TIMEOUT_MS: '6000' },
  identity: { KAFKA_SESSION_TIMEOUT_MS: '6000' },
  enrichment: { KAFKA_SESSION_TIMEOUT_MS: '6000' },
  activation: {
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    WEBHOOK_ALLOWLIST: '127.0.0.1/32',
    WEBHOOK_TIMEOUT_MS: '1000',
    DELIVERY_LEASE_MS: '6000',
    // 46 attempts: at a 50 % failure rate, a message is given up once in 10^14.
    WEBHOOK_RETRY_SCHEDULE: [
      '0',
      '100ms',
      '250ms',
      '500ms',
      '1s',
      '2s',
      ...Array<string>(40).fill('3s'),
    ].join(','),
  },
};
const SUBSCRIPTION = 'faults-webhook';
const WATCHED_FIELDS = ['identifiers'];

/** Whatever happens, these figures are printed and written to the report at the end. */
const figures: Record<string, unknown> = { profile: config.profile, seed: config.seed };
const timeline: { at: number; what: string }[] = [];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The fault-injection suite (issue 9): a seeded stream of scripted customers' calls goes through
 * the whole pipeline, two replicas per service, while replicas are SIGKILLed every few seconds,
 * the broker and the store are restarted, every input topic gets a burst of poison records and
 * the webhook endpoint fails half of the requests. At the end the profiles topic must equal the
 * sequential reference, every poison record must be parked with its reason (and nothing else),
 * every change delivered to the webhook (a retry only under the same webhook-id), no consumer
 * behind. `npm run test:faults` runs the full suite; `TESSERA_FAULTS_PROFILE=short` the CI one.
 */
describe(`the pipeline under faults (${config.profile}: ${config.events} calls)`, () => {
  const run = TestRun.create('faults');
  const codec = new AvroCodec();
  const token = run.serviceEnv('enrichment').ADMIN_TOKEN;
  const calls = scriptedStream({
    seed: config.seed,
    events: config.events,
    tag: run.id,
    now: Date.now(),
  });
  const acknowledged: ScriptedCall[] = [];
  const httpAnswers: Record<string, number> = {};
  const problems: string[] = [];
  const poison: { record: PoisonRecord; partition: number; offset: string }[] = [];
  const fleet = new Fleet(
    (service) => ({ ...run.serviceEnv(service), ...FAULT_ENV[service] }),
    path.join(path.dirname(config.reportPath), `logs-${run.id}`),
  );
  let receiver: WebhookReceiver;
  let endpoint: FlakyEndpoint;
  let writeKey = '';
  let started = 0;
  const mark = (what: string) => timeline.push({ at: Date.now() - started, what });

  const admin = async (service: ServiceName, route: string, body: unknown) => {
    const answer = await fetch(`${fleet.urls(service)[0]}${route}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (answer.status !== 201)
      throw new Error(`POST ${route}: ${answer.status} ${await answer.text()}`);
    return (await answer.json()) as Record<string, unknown>;
  };

  beforeAll(async () => {
    started = Date.now();
    const local = `127.0.0.1:${config.infra.kafkaPort}`;
    if (
      run.kafkaBrokers.join(',') !== local ||
      !run.mongoUri.includes(`:${config.infra.mongoPort}`)
    )
      throw new Error(
        `the fault suite restarts the broker and the store through tools/infra/infra.sh, so it ` +
          `runs against that infrastructure (Kafka ${local}, store port ${config.infra.mongoPort}); ` +
          `got KAFKA_BROKERS=${run.kafkaBrokers.join(',')}`,
      );
    receiver = await WebhookReceiver.start();
    endpoint = new FlakyEndpoint(receiver, config.seed);
    await fleet.start();
    mark('8 replicas ready');
    figures.startupMs = Date.now() - started;

    for (const audience of FAULT_AUDIENCES)
      await admin('enrichment', '/v1/audiences', {
        id: audience.id,
        name: audience.id,
        condition: audience.condition,
      });
    await admin('activation', '/v1/subscriptions', {
      id: SUBSCRIPTION,
      target: { type: 'webhook', url: receiver.url },
      // Snapshots whose identifiers changed (new customers, merges), not every counter bump: the
      // dispatcher's store load grows with the messages waiting, and FerretDB scans (docs/faults.md).
      filter: { profileUpdates: { fields: WATCHED_FIELDS }, audiences: true, merges: true },
    });
    ({ writeKey } = (await admin('ingestion', '/admin/sources', { name: 'faults' })) as {
      writeKey: string;
    });
    // Every replica knows the audiences and the subscription (both re-read every 2 s).
    await sleep(5_000);

    let streaming = true;
    const stream = sendStream().finally(() => (streaming = false));
    const kills = killWhile(() => streaming);
    const faults = injectFaults();
    await Promise.all([stream, kills, faults]);
    mark('faults over');
    await fleet.settled();
    mark('every killed replica ready again');
    figures.crashes = fleet.crashed().length;
    problems.push(...fleet.crashed());
  });

  afterAll(async () => {
    figures.totalMs = Date.now() - started;
    figures.timeline = timeline;
    report();
    await fleet.stop();
    await receiver?.close();
    // FerretDB goes on with the commands of killed clients; dropping a database one of them still
    // reads crashed it once (SIGBUS in SQLite's WAL index), so give them a moment to end.
    await sleep(10_000);
    if (config.keep) console.log(`TESSERA_FAULTS_KEEP: kept the topics and databases of ${run.id}`);
    else await run.cleanup();
  });

  it('acknowledges every call (clients retry what a fault refused)', () => {
    expect(problems).toEqual([]);
    expect(acknowledged).toHaveLength(calls.length);
  });

  it('leaves no consumer stuck: every group catches up to the end of every input topic', async () => {
    const settling = Date.now();
    let lag: Record<string, number> = {};
    const caughtUp = async () => {
      lag = await consumerLag(run.kafka, run.topics).catch(() => ({ unknown: -1 }));
      return Object.values(lag).every((behind) => behind === 0);
    };
    try {
      await eventually(caughtUp, config.settleTimeoutMs, 'every consumer group at the end');
      // Still at the end a moment later: nothing was left half-done behind the end offsets.
      await sleep(3_000);
      await eventually(caughtUp, 60_000, 'every consumer group still at the end');
    } finally {
      figures.settleMs = Date.now() - settling;
      figures.lagAtEnd = Object.fromEntries(Object.entries(lag).filter(([, behind]) => behind));
    }
    expect(Object.keys(lag).length).toBeGreaterThanOrEqual(11);
  });

  it('ends with exactly the reference profiles: identifiers, counts, sums and audiences', async () => {
    const expected = referenceProfiles(acknowledged);
    let last: string[] = [];
    let live = 0;
    try {
      await eventually(
        async () => {
          const latest = await latestProfiles();
          const observed = observedProfiles(latest);
          live = observed.length;
          last = differences(expected, observed);
          return last.length === 0;
        },
        120_000,
        'the profiles topic equal to the reference',
      );
    } finally {
      figures.profiles = { expected: expected.length, observed: live, differences: last.length };
      expect({ count: last.length, first: last.slice(0, 20) }).toEqual({ count: 0, first: [] });
    }
    expect(expected.length).toBeGreaterThan(config.events / 20);
  });

  it('parks every poison record with its reason, and nothing that is not poison', async () => {
    const found = new Set<string>();
    const unexpected: string[] = [];
    const want = new Map<string, PoisonRecord>();
    for (const { record, partition, offset } of poison)
      if (record.expect.to === 'dead-letter')
        for (const group of record.expect.groups)
          want.set(
            `${run.topics.resolve(record.topic)} ${partition}@${offset} ${run.topics.groupId(`tessera-${group}`)} ${record.expect.reason}`,
            record,
          );
    for (const topic of new Set(poison.map(({ record }) => record.topic)))
      for (const parked of await readTopic(
        run.kafka,
        run.topics.deadLetter(topic === TOPICS.rawEvents ? TOPICS.rawEvents : topic),
      )) {
        const letter = codec.decodeAs('DeadLetter', parked.value!);
        const name = `${letter.originalTopic} ${letter.partition}@${letter.offset} ${letter.consumerGroup} ${letter.reason}`;
        if (want.has(name) && parked.headers['tessera-dead-letter-reason'] === letter.reason)
          found.add(name);
        else unexpected.push(`${name}: ${letter.errorName} ${letter.errorMessage}`);
      }
    // The raw topic's bad records go to the rejected-events topic, with the record's bytes.
    const rejected = (await readTopic(run.kafka, run.topics.resolve(TOPICS.rejectedEvents))).map(
      (record) => codec.decodeAs('RejectedEvent', record.value!),
    );
    const rawPoison = poison.filter(({ record }) => record.expect.to === 'rejected');
    const rawFound = rawPoison.filter(({ record }) =>
      rejected.some(
        (entry) =>
          entry.channel === 'kafka' &&
          entry.reason === record.expect.reason &&
          Buffer.from(entry.payload).equals(record.value),
      ),
    );
    const missing = [...want.keys()].filter((name) => !found.has(name));
    figures.poison = {
      published: poison.length,
      onTopics: new Set(poison.map(({ record }) => record.topic)).size,
      deadLetters: found.size,
      deadLettersExpected: want.size,
      rejected: rawFound.length,
      rejectedExpected: rawPoison.length,
      unexpectedDeadLetters: unexpected.length,
      rejectedTotal: rejected.length,
    };
    expect({ missing: missing.slice(0, 20), unexpected: unexpected.slice(0, 20) }).toEqual({
      missing: [],
      unexpected: [],
    });
    expect(rawFound).toHaveLength(rawPoison.length);
    // Good calls are never rejected: the rejected topic holds the poison and nothing else.
    expect(rejected).toHaveLength(rawPoison.length);
    expect(new Set(poison.map(({ record }) => record.topic)).size).toBe(9);
  });

  it('delivers every change to the failing webhook, a retry only under the same webhook-id', async () => {
    let missing: string[] = [];
    let unexpected: string[] = [];
    let expected = new Set<string>();
    try {
      await eventually(
        async () => {
          const [profiles, audiences] = await Promise.all([
            readTopic(run.kafka, run.topics.resolve(TOPICS.profiles)),
            readTopic(run.kafka, run.topics.resolve(TOPICS.audiences)),
          ]);
          expected = expectedChanges(codec, profiles, audiences, WATCHED_FIELDS);
          const delivered = endpoint.delivered();
          missing = [...expected].filter((change) => !delivered.has(change));
          unexpected = [...delivered.keys()].filter((change) => !expected.has(change));
          return missing.length === 0;
        },
        config.settleTimeoutMs,
        'every change delivered',
      );
    } finally {
      const sent = endpoint.sent();
      const delivered = endpoint.delivered();
      const deliveries = endpoint.count('ok');
      figures.webhooks = {
        requests: receiver.requests.length,
        answeredOk: deliveries,
        answeredError: endpoint.count('error'),
        timedOut: endpoint.count('timeout'),
        failureShare: round(1 - deliveries / Math.max(1, receiver.requests.length)),
        changes: expected.size,
        delivered: delivered.size,
        deliveredTwiceOrMore:
          deliveries - [...delivered.values()].reduce((n, ids) => n + ids.size, 0),
        missing: missing.length,
      };
      const conflicting = [...sent].filter(([, ids]) => ids.size > 1).map(([change]) => change);
      expect({
        missing: missing.slice(0, 20),
        unexpected: unexpected.slice(0, 20),
        conflicting: conflicting.slice(0, 20),
      }).toEqual({ missing: [], unexpected: [], conflicting: [] });
    }
    const failed = await fetch(
      `${fleet.urls('activation')[0]}/v1/subscriptions/${SUBSCRIPTION}/failed`,
      {
        headers: { authorization: `Bearer ${token}` },
      },
    );
    expect(failed.status).toBe(200);
    expect(((await failed.json()) as { failed: unknown[] }).failed).toEqual([]);
    expect(expected.size).toBeGreaterThan(config.events / 10);
  });

  /** The calls, in batches from several clients at once, each retried until it is answered 200. */
  async function sendStream(): Promise<void> {
    const basic = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
    const batches = Array.from({ length: Math.ceil(calls.length / config.batch) }, (_, index) =>
      calls.slice(index * config.batch, (index + 1) * config.batch),
    );
    const deadline = Date.now() + config.settleTimeoutMs + 1_800_000;
    // Paced at `rate` calls a second, so the faults fall while calls still come in.
    const streamStarted = Date.now();
    const due = (index: number) => streamStarted + (index * config.batch * 1_000) / config.rate;
    let next = 0;
    const client = async (number: number) => {
      for (let index = next++; index < batches.length; index = next++) {
        const batch = batches[index];
        await sleep(due(index) - Date.now());
        for (let attempt = 0; ; attempt++) {
          if (Date.now() > deadline)
            throw new Error('a batch was not accepted before the deadline');
          const urls = fleet.urls('ingestion');
          const outcome = await fetch(`${urls[(number + attempt) % urls.length]}/v1/batch`, {
            method: 'POST',
            headers: { authorization: basic, 'content-type': 'application/json' },
            body: JSON.stringify({ batch }),
            signal: AbortSignal.timeout(20_000),
          })
            .then(async (answer) => ({ status: String(answer.status), body: await answer.text() }))
            .catch((error: Error) => ({ status: error.name, body: '' }));
          httpAnswers[outcome.status] = (httpAnswers[outcome.status] ?? 0) + 1;
          if (outcome.status === '200') {
            const { rejected } = JSON.parse(outcome.body) as { rejected?: unknown[] };
            if (rejected?.length) problems.push(`a good batch had rejections: ${outcome.body}`);
            acknowledged.push(...batch);
            break;
          }
          await sleep(Math.min(2_000, 100 * 2 ** attempt));
        }
      }
    };
    await Promise.all(Array.from({ length: config.clients }, (_, number) => client(number)));
    mark('stream acknowledged');
    figures.streamMs = Date.now() - streamStarted;
    figures.acknowledgedPerSecond = round(
      (acknowledged.length * 1_000) / (Date.now() - streamStarted),
    );
    figures.calls = calls.length;
    figures.httpAnswers = httpAnswers;
  }

  /** A random ready replica SIGKILLed every `killEveryMs` while the stream runs, restarted at once. */
  async function killWhile(running: () => boolean): Promise<void> {
    const random = new SeededRandom(config.seed + 1);
    const killed: Record<string, number> = {};
    while (running()) {
      await sleep(config.killEveryMs);
      if (!running()) break;
      const replica = await fleet.killOne(random);
      if (replica) {
        killed[replica.service] = (killed[replica.service] ?? 0) + 1;
        mark(`SIGKILL ${replica.name}`);
      }
    }
    const recoveries = fleet.replicas
      .flatMap((replica) => replica.recoveries)
      .sort((a, b) => a - b);
    figures.kills = { total: Object.values(killed).reduce((a, b) => a + b, 0), byService: killed };
    figures.recoveryMs = {
      p50: recoveries[Math.floor(recoveries.length / 2)] ?? null,
      max: recoveries.at(-1) ?? null,
    };
  }

  /** The one-off faults, each when the stream is that far along: poison, broker, store. */
  async function injectFaults(): Promise<void> {
    const at = async (share: number) => {
      while (acknowledged.length < share * calls.length) await sleep(200);
    };
    await at(0.15);
    mark('poison burst');
    await publishPoison();
    await at(0.35);
    mark('Kafka broker restart');
    const broker = await restartInfra('kafka');
    mark(`Kafka broker back (${broker.downMs} ms)`);
    await at(0.65);
    mark('store restart');
    const store = await restartInfra('ferretdb');
    mark(`store back (${store.downMs} ms)`);
    figures.infraRestartMs = { kafka: broker.downMs, store: store.downMs };
  }

  async function publishPoison(): Promise<void> {
    const producer = run.kafka.producer();
    await producer.connect();
    try {
      for (const record of poisonBurst(
        codec,
        writeKey,
        run.id,
        config.profile === 'full' ? 10 : 3,
      )) {
        const [sent] = await producer.send({
          topic: run.topics.resolve(record.topic),
          messages: [{ key: record.key, value: record.value, headers: record.headers }],
        });
        poison.push({ record, partition: sent.partition, offset: sent.baseOffset ?? '' });
      }
    } finally {
      await producer.disconnect();
    }
  }

  /** The latest record of each key of the profiles topic, as it stands now (poison skipped). */
  async function latestProfiles(): Promise<Map<string, ProfileSnapshot | null>> {
    const latest = new Map<string, ProfileSnapshot | null>();
    for (const record of await readTopic(run.kafka, run.topics.resolve(TOPICS.profiles))) {
      try {
        const { profileId } = codec.decodeAs('ProfileKey', record.key!);
        latest.set(profileId, record.value && codec.decodeAs('ProfileSnapshot', record.value));
      } catch {
        // A poison record: checked in the dead-letter topic.
      }
    }
    return latest;
  }
});

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function report(): void {
  mkdirSync(path.dirname(config.reportPath), { recursive: true });
  writeFileSync(config.reportPath, `${JSON.stringify(figures, null, 2)}\n`);
  const lines = Object.entries(figures)
    .filter(([name]) => name !== 'timeline')
    .map(([name, value]) => `  ${name.padEnd(22)} ${JSON.stringify(value)}`);
  const events = timeline.map(
    ({ at, what }) => `  ${String(Math.round(at / 1000)).padStart(5)} s  ${what}`,
  );
  process.stdout.write(
    `\nfault suite figures (${config.reportPath}):\n${lines.join('\n')}\ntimeline:\n${events.join('\n')}\n`,
  );
}
