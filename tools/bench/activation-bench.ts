import { AvroCodec, TOPICS, TopicNames } from '@tessera/contracts';
import { KafkaPublisher } from '@tessera/platform-kafka';
import { Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { BenchInfrastructure } from './bench-infrastructure';
import { appendBenchRun, atFixedRate, round, runBench, waitFor, withBenchRun } from './bench-runs';
import { readBenchOptions } from './bench-options';
import { postBatch } from './http-load';
import { identityStream, segmentCall } from './identity-stream';
import { relayEventStream } from './kafka-relay';
import { percentiles, type Percentiles } from './percentiles';
import { CpuMeter, infraPids, machineInfo, sourceHash } from './process-usage';
import { profileSnapshots } from './profile-snapshot-stream';
import { ProfilesReader } from './profiles-reader';
import { ServiceProcess, type ServiceProcessOptions } from './service-process';
import { WebhookCounter } from './webhook-counter';

/**
 * `npm run bench:activation`: webhook deliveries per second from the activation service alone
 * (profile snapshots published straight on the profiles topic, a local receiver that answers 204
 * at once) with 1 and with 10 subscriptions, against a bare Kafka relay in the same run; and the
 * latency from the HTTP accept at ingestion to the webhook, through all four services, at a fixed
 * offered load.
 */
const options = readBenchOptions();
const MESSAGES = Number(process.env.BENCH_ACTIVATION_MESSAGES ?? 5_000);
const RATE = Number(process.env.BENCH_ACTIVATION_RATE ?? 100);
const LATENCY_SECONDS = Number(process.env.BENCH_ACTIVATION_SECONDS ?? 20);
/** Versions of each profile in the deliveries phases: MESSAGES / VERSIONS distinct profiles. */
const VERSIONS = 3;
const SUBSCRIPTION_COUNTS = [1, 10];
/** A deliveries phase fails when no new message arrived for this long. */
const STALL_MS = 60_000;
const OUTPUT = path.resolve(options.root, 'docs/benchmarks/activation.json');
const PIPELINE = ['ingestion', 'identity', 'enrichment', 'activation'] as const;
/** Loopback receivers are private addresses: the service refuses them unless allowed. */
const ACTIVATION_ENV = { WEBHOOK_ALLOWLIST: '127.0.0.1/32' };
const codec = new AvroCodec();
const runId = randomUUID().slice(0, 8);
const log = (message: string) => console.log(`[bench:activation] ${message}`);

type Service = (typeof PIPELINE)[number];

interface Deliveries {
  subscriptions: number;
  messages: number;
  deliveries: number;
  deliveriesPerSecond: number;
  seconds: number;
  publishSeconds: number;
  /** Requests beyond the distinct messages (redeliveries). */
  duplicateRequests: number;
  distinctPerSubscription: { min: number; max: number };
  signatureSample: { checked: number; missing: number };
  cores: Record<string, number>;
  activationMiB: { rssMiB: number; peakRssMiB: number };
}

async function main(): Promise<void> {
  await BenchInfrastructure.ensureRunning(options.root, options.kafkaBrokers, options.mongoUri);
  const kafka = new Kafka({ brokers: options.kafkaBrokers, logLevel: logLevel.NOTHING });
  log(`bare Kafka relay of ${MESSAGES * 10} records`);
  // No database of its own: the run's clean-up removes the relay's topics.
  const relay = await withRun('relay', ['activation'], (infra, suffix) =>
    relayEventStream(
      infra,
      options.kafkaBrokers,
      options.partitions,
      suffix,
      MESSAGES * 10,
      `${runId}-relay`,
    ),
  );

  const deliveries: Deliveries[] = [];
  for (const subscriptions of SUBSCRIPTION_COUNTS) {
    log(`deliveries: ${MESSAGES} snapshots to ${subscriptions} webhook subscription(s)`);
    deliveries.push(
      await withRun(`deliveries-${subscriptions}`, ['activation'], (_infra, suffix, database) =>
        measureDeliveries(kafka, suffix, database, subscriptions),
      ),
    );
  }

  log(`latency at ${RATE} events/s for ${LATENCY_SECONDS} s through the four services`);
  const latency = await withRun('latency', PIPELINE, (_infra, suffix, database) =>
    measureLatency(kafka, suffix, database),
  );
  const run = {
    date: new Date().toISOString(),
    runId,
    sourceHash: sourceHash(options.root, ['apps/activation/src', 'libs']),
    machine: machineInfo(),
    relay,
    deliveries: deliveries.map((phase) => ({
      ...phase,
      ratio: round(phase.deliveriesPerSecond / relay.recordsPerSecond, 4),
    })),
    latency,
  };
  console.log(JSON.stringify(run, null, 2));
  printSummary(run.relay.recordsPerSecond, run.deliveries, latency);
  await append(run);
}

/**
 * Activation alone: `MESSAGES` snapshots published on the profiles topic as enrichment would, each
 * delivered to every subscription; timed from the first publish to the last distinct message.
 */
async function measureDeliveries(
  kafka: Kafka,
  suffix: string,
  database: string,
  subscriptions: number,
): Promise<Deliveries> {
  const records = profileSnapshots(MESSAGES, VERSIONS, `${runId}-${subscriptions}`).map(
    (snapshot) => ({
      key: codec.encode('ProfileKey', { profileId: snapshot.profileId }),
      value: codec.encode('ProfileSnapshot', snapshot),
    }),
  );
  const receiver = await WebhookCounter.start();
  const activation = await startService('activation', suffix, database);
  const publisher = new KafkaPublisher(kafka);
  try {
    for (let n = 0; n < subscriptions; n++)
      await activation.createSubscription({
        id: `bench-${n}`,
        target: { type: 'webhook', url: receiver.url(`bench-${n}`) },
        filter: { profileUpdates: true, audiences: true },
      });
    await publisher.connect();
    const meter = new CpuMeter({ activation: activation.pid, bench: process.pid, ...infraPids() });
    const started = performance.now();
    await publisher.publish({ [new TopicNames(suffix).resolve(TOPICS.profiles)]: records });
    const publishSeconds = (performance.now() - started) / 1000;
    const target = MESSAGES * subscriptions;
    const seconds = ((await receiver.distinctMessages(target, STALL_MS)) - started) / 1000;
    const cores = meter.coresUsed();
    const counts = receiver.counts();
    return {
      subscriptions,
      messages: MESSAGES,
      deliveries: target,
      deliveriesPerSecond: round(target / seconds, 1),
      seconds: round(seconds, 2),
      publishSeconds: round(publishSeconds, 2),
      duplicateRequests: counts.requests - counts.distinct,
      distinctPerSubscription: counts.distinctPerPath,
      signatureSample: counts.signatureSample,
      cores,
      activationMiB: activation.memory(),
    };
  } finally {
    await publisher.disconnect();
    await activation.stop();
    await receiver.close();
  }
}

/**
 * All four services, one webhook subscription to profile updates, Segment calls over HTTP at
 * `RATE` a second; each event's latency runs from ingestion's answer to the first webhook that
 * shows it.
 *
 * How an event is found in a webhook: every event carries a user id of its own
 * (`lat-<run>-<tick>-<n>`), so its customer is new and that user id becomes an identifier of a
 * profile only through this event. The first `profile.updated` whose `data.identifiers` holds it
 * is therefore the first profile state that reflects the event — whatever else the profile holds,
 * and whether or not identity merged it with another one (a merged profile keeps the identifier).
 * Counting `computed.eventCount` would instead be thrown off by such merges.
 */
async function measureLatency(
  kafka: Kafka,
  suffix: string,
  database: string,
): Promise<{
  offeredEventsPerSecond: number;
  seconds: number;
  offered: number;
  matched: number;
  latencyMs: Percentiles;
  stagesMs: { httpAccepted: Percentiles; profilePublished: Percentiles; delivered: Percentiles };
}> {
  const sentAt = new Map<string, number>();
  const acceptedAt = new Map<string, number>();
  const deliveredAt = new Map<string, number>();
  const receiver = await WebhookCounter.start((body, at) => {
    const { type, data } = JSON.parse(body) as {
      type: string;
      data: { identifiers?: { type: string; value: string }[] };
    };
    if (type !== 'profile.updated') return;
    for (const { type: kind, value } of data.identifiers ?? [])
      if (kind === 'user_id' && sentAt.has(value) && !deliveredAt.has(value))
        deliveredAt.set(value, at);
  });
  const services = {} as Record<Service, ServiceProcess>;
  let profiles: ProfilesReader | undefined;
  try {
    for (const service of PIPELINE)
      services[service] = await startService(service, suffix, database);
    const writeKey = await services.ingestion.createSource('bench');
    await services.activation.createSubscription({
      id: 'bench-latency',
      target: { type: 'webhook', url: receiver.url('bench-latency') },
      filter: { profileUpdates: true },
    });
    profiles = await ProfilesReader.start(kafka, new TopicNames(suffix).resolve(TOPICS.profiles));
    // The consumer groups settle before the first event arrives.
    await new Promise((resolve) => setTimeout(resolve, 3_000));

    const perTick = Math.max(1, Math.round(RATE / 10));
    await atFixedRate(LATENCY_SECONDS * 10, 100, async (tick) => {
      const users: string[] = [];
      // Half identify calls (with traits), half track calls.
      const calls = identityStream(tick + 7, perTick, `${runId}-lat-${tick}`).map((event, n) => {
        const userId = `lat-${runId}-${tick}-${n}`;
        users.push(userId);
        sentAt.set(userId, performance.now());
        return n % 2 === 0
          ? segmentCall({ ...event, userId, traits: { plan: 'pro', firstName: 'Ada' } }, 'identify')
          : segmentCall({ ...event, userId });
      });
      await postBatch(services.ingestion.url, writeKey, calls);
      const accepted = performance.now();
      for (const user of users) acceptedAt.set(user, accepted);
    });
    await waitFor(
      () => deliveredAt.size >= sentAt.size,
      120_000,
      'a webhook for every latency event',
    ).catch(() => log(`${sentAt.size - deliveredAt.size} events had no webhook within 120 s`));
  } finally {
    await profiles?.stop();
    await Promise.all(Object.values(services).map((service) => service.stop()));
    await receiver.close();
  }
  const since = (from: Map<string, number>, to: Map<string, number>) =>
    [...from].flatMap(([user, start]) => {
      const end = to.get(user);
      return end === undefined ? [] : [end - start];
    });
  const latencies = since(acceptedAt, deliveredAt);
  const published = profiles?.firstSeen ?? new Map<string, number>();
  return {
    offeredEventsPerSecond: RATE,
    seconds: LATENCY_SECONDS,
    offered: sentAt.size,
    matched: latencies.length,
    latencyMs: percentiles(latencies),
    stagesMs: {
      httpAccepted: percentiles(since(sentAt, acceptedAt)),
      profilePublished: percentiles(since(acceptedAt, published)),
      delivered: percentiles(since(published, deliveredAt)),
    },
  };
}

function startService(service: Service, suffix: string, database: string): Promise<ServiceProcess> {
  const settings: ServiceProcessOptions = {
    service,
    root: options.root,
    kafkaBrokers: options.kafkaBrokers,
    mongoUri: options.mongoUri,
    topicSuffix: suffix,
    database: `${database}_${service}`,
    partitions: options.partitions,
    workDir: path.join(options.root, 'tmp', 'bench', `activation-${runId}`),
    cpuProfile: options.cpuProfile,
    env: service === 'activation' ? ACTIVATION_ENV : undefined,
  };
  return ServiceProcess.start(settings);
}

function printSummary(
  relayPerSecond: number,
  deliveries: (Deliveries & { ratio: number })[],
  latency: Awaited<ReturnType<typeof measureLatency>>,
): void {
  log(`relay: ${Math.round(relayPerSecond)} records/s`);
  for (const phase of deliveries)
    log(
      `${phase.subscriptions} subscription(s): ${phase.deliveriesPerSecond} deliveries/s ` +
        `(${phase.deliveries} in ${phase.seconds} s, ratio to relay ${phase.ratio}); ` +
        `activation ${phase.cores.activation} cores, RSS ${phase.activationMiB.rssMiB} MiB ` +
        `(peak ${phase.activationMiB.peakRssMiB}); signature missing in ` +
        `${phase.signatureSample.missing} of ${phase.signatureSample.checked} sampled`,
    );
  const { p50, p90, p99 } = latency.latencyMs;
  log(
    `latency HTTP accept -> webhook at ${latency.offeredEventsPerSecond} events/s: ` +
      `p50 ${p50} ms, p90 ${p90} ms, p99 ${p99} ms (${latency.matched} of ${latency.offered} matched)`,
  );
}

function withRun<T>(
  name: string,
  services: readonly string[],
  work: (infra: BenchInfrastructure, suffix: string, database: string) => Promise<T>,
): Promise<T> {
  return withBenchRun(
    options,
    runId,
    name,
    (database) => services.map((service) => `${database}_${service}`),
    work,
    log,
  );
}

async function append(run: object): Promise<void> {
  await appendBenchRun(
    OUTPUT,
    {
      benchmark: 'activation',
      description:
        'npm run bench:activation: webhook deliveries per second from the activation service alone (1 and 10 subscriptions, a local receiver answering 204) against a bare Kafka relay, and the latency from the HTTP accept at ingestion to the webhook through the four services; see docs/benchmarks.md',
    },
    run,
  );
  log(`figures appended to ${path.relative(options.root, OUTPUT)}`);
}

runBench(main);
