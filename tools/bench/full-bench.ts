import { AvroCodec, TOPICS, TopicNames, type Event } from '@tessera/contracts';
import { Kafka, logLevel } from 'kafkajs';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BenchInfrastructure } from './bench-infrastructure';
import { readBenchOptions } from './bench-options';
import { appendBenchRun, round, runBench, waitFor, withBenchRun } from './bench-runs';
import { summarizeCpuProfile, type ProfileWindow } from './cpu-profile-summary';
import { DeliveredProfiles } from './delivered-profiles';
import { readFullBenchOptions } from './full-bench-options';
import {
  updateBenchmarksDoc,
  writeLatencyPlot,
  type FullBenchRun,
  type LatencyLevel,
} from './full-bench-report';
import { loadBatchEndpoint, postBatch, type HttpLoadResult } from './http-load';
import { identityStream, segmentCall } from './identity-stream';
import { relayEventStream, relayTopics } from './kafka-relay';
import { offerOpenLoop } from './open-loop';
import { percentiles } from './percentiles';
import { CpuMeter, infraPids, machineInfo, sourceHash } from './process-usage';
import { ServiceProcess } from './service-process';
import { TopicFollower } from './topic-follower';
import { WebhookCounter } from './webhook-counter';

/**
 * `npm run bench`: the whole pipeline against a bare Kafka relay, in one run — (1) the relay,
 * (2) ingestion alone at saturation, (3) HTTP -> ingestion -> identity -> enrichment -> activation
 * -> a webhook receiver and a Kafka-target subscriber at saturation, (4) end-to-end latency
 * percentiles at fixed open-loop shares of that saturation rate, (5) each service's RSS at
 * saturation. Writes docs/benchmarks/full.json, docs/benchmarks/latency.svg and the figures of
 * docs/benchmarks.md; method and reading in docs/benchmarks.md.
 */
const options = readBenchOptions();
const full = readFullBenchOptions();
const SERVICES = ['ingestion', 'identity', 'enrichment', 'activation'] as const;
const EVENTS_PER_REQUEST = options.eventsPerRequest;
/** Concurrent HTTP requests of the saturation load on the pipeline. */
const PIPELINE_CONNECTIONS = 4;
/** Events generated for the saturation phase (it stops early if it ever needs more). */
const SATURATION_POOL = 80_000;
const INGEST_WARMUP_BODIES = 1_500;
const MAX_INGEST_BODIES = 8_000;
/** How long a phase waits for the pipeline to deliver what it was given. */
const DRAIN_MS = 90_000;
const TARGETS = { ratio: 0.25, p99Ms: 250, p99Level: 0.5, rssMB: 300 };
const DOC = path.resolve(options.root, 'docs/benchmarks.md');
const OUTPUT = full.quick
  ? path.resolve(options.root, 'tmp/bench/full-quick.json')
  : path.resolve(options.root, 'docs/benchmarks/full.json');
const PLOT = full.quick
  ? path.resolve(options.root, 'tmp/bench/latency-quick.svg')
  : path.resolve(options.root, 'docs/benchmarks/latency.svg');
/** Loopback receivers are private addresses: activation refuses them unless allowed. */
const ACTIVATION_ENV = { WEBHOOK_ALLOWLIST: '127.0.0.1/32' };
const codec = new AvroCodec();
const runId = randomUUID().slice(0, 8);
const workDir = path.join(options.root, 'tmp', 'bench', `full-${runId}`);
const began = performance.now();
const log = (message: string) =>
  console.log(`[bench +${Math.round((performance.now() - began) / 1000)}s] ${message}`);

type Service = (typeof SERVICES)[number];

interface Pipeline {
  services: Record<Service, ServiceProcess>;
  writeKey: string;
  webhook: DeliveredProfiles;
  kafkaTarget: DeliveredProfiles;
  /** When each anonymous id first appeared on the resolved topic and on the profiles topic. */
  resolvedAt: Map<string, number>;
  profiledAt: Map<string, number>;
  receiver: WebhookCounter;
  followers: TopicFollower[];
  acceptedTopic: string;
  /** Events ingestion answered 200 for, over the pipeline's life. */
  accepted: number;
}

async function main(): Promise<void> {
  await BenchInfrastructure.ensureRunning(options.root, options.kafkaBrokers, options.mongoUri);
  const kafka = new Kafka({ brokers: options.kafkaBrokers, logLevel: logLevel.NOTHING });
  const machine = machineInfo();
  log(`run ${runId}: ${machine.nproc} cores, node ${machine.node}${full.quick ? ', quick' : ''}`);

  log(`(1) bare Kafka relay of ${full.relayRecords} records`);
  const relay = await withRun('relay', ['relay'], async (infra, suffix) => {
    const result = await relayEventStream(
      infra,
      options.kafkaBrokers,
      options.partitions,
      suffix,
      full.relayRecords,
      `${runId}-relay`,
      // Shaped like ingestion's source ids (`src_` and 32 hex digits): records of the same size.
      `src_${randomUUID().replace(/-/g, '')}`,
    );
    return {
      records: result.records,
      seconds: round(result.seconds, 2),
      recordsPerSecond: Math.round(result.recordsPerSecond),
      record: await infra.recordShape(relayTopics(suffix).from),
    };
  });
  log(`relay: ${relay.recordsPerSecond} records/s`);

  log(`(2) ingestion alone, ${options.connections} connections, ${full.ingestSeconds} s`);
  const ingestion = await withRun('ingest', ['ingestion'], measureIngestion);
  log(`ingestion: ${ingestion.eventsPerSecond} events/s`);

  const { saturation, window, pids, latency, peakRssMiB } = await withRun(
    'pipeline',
    SERVICES,
    async (infra, suffix, database) => {
      const pipeline = await startPipeline(kafka, infra, suffix, database);
      try {
        log(`(3) saturation: ${full.saturationWarmupSeconds} s + ${full.saturationSeconds} s`);
        const measured = await measureSaturation(pipeline, infra);
        log(`pipeline: ${measured.result.eventsPerSecond} events/s at the webhook`);
        const levels: LatencyLevel[] = [];
        for (const fraction of full.levels) {
          const rate = Math.max(1, Math.round(fraction * measured.result.eventsPerSecond));
          log(`(4) latency at ${fraction * 100} % of saturation: ${rate} events/s`);
          const level = await measureLatency(pipeline, fraction, rate);
          log(
            `p50 ${level.webhookMs.p50} / p95 ${level.webhookMs.p95} / p99 ${level.webhookMs.p99} ms`,
          );
          levels.push(level);
        }
        return {
          saturation: measured.result,
          window: measured.window,
          pids: Object.fromEntries(SERVICES.map((name) => [pipeline.services[name].pid, name])),
          latency: levels,
          peakRssMiB: Object.fromEntries(
            SERVICES.map((name) => [name, pipeline.services[name].memory().peakRssMiB]),
          ),
        };
      } finally {
        await stopPipeline(pipeline);
      }
    },
  );

  const run: FullBenchRun = {
    date: new Date().toISOString(),
    runId,
    git: gitState(),
    sourceHash: sourceHash(options.root, ['apps', 'libs']),
    machine,
    quick: full.quick,
    settings: { ...full, partitions: options.partitions, ingestConnections: options.connections },
    relay,
    ingestion: {
      ...ingestion,
      ratioToRelay: round(ingestion.eventsPerSecond / relay.recordsPerSecond, 4),
    },
    pipeline: {
      ...saturation,
      ratioToRelay: round(saturation.eventsPerSecond / relay.recordsPerSecond, 4),
    },
    latency,
    peakRssMiB,
    targets: TARGETS,
    wallSeconds: Math.round((performance.now() - began) / 1000),
  };
  console.log(JSON.stringify(run, null, 2));
  if (options.cpuProfile) {
    // A diagnostic run: profiling slows the services down, so its figures are not the product's.
    const profiles = cpuProfiles(window, pids);
    const file = path.join(workDir, 'cpu-profiles.txt');
    writeFileSync(file, profiles);
    console.log(profiles);
    log(
      `diagnostic run: profile summaries in ${path.relative(options.root, file)}; docs untouched`,
    );
    return;
  }
  await write(run);
}

async function measureIngestion(infra: BenchInfrastructure, suffix: string, database: string) {
  const service = await startService('ingestion', suffix, `${database}_ingestion`);
  try {
    const writeKey = await service.createSource('bench');
    const topic = new TopicNames(suffix).resolve(TOPICS.acceptedEvents);
    const load = (bodies: Buffer[], durationSeconds: number) =>
      loadBatchEndpoint({
        url: service.url,
        writeKey,
        bodies,
        eventsPerRequest: EVENTS_PER_REQUEST,
        connections: options.connections,
        durationSeconds,
      });
    const warmup = await load(
      requestBodies(INGEST_WARMUP_BODIES, 'warm'),
      full.ingestWarmupSeconds,
    );
    // Every body is sent once (a repeated one would be a duplicate, a no-op): sized from the warm-up.
    const poolSize = Math.min(
      MAX_INGEST_BODIES,
      Math.ceil(Math.max(...warmup.perSecond, 1) * (full.ingestSeconds + 2) * 1.5),
    );
    let pool = requestBodies(poolSize, 'load');
    const before = await infra.settledRecordCount(topic, 1_500);
    const meter = new CpuMeter({ ingestion: service.pid, bench: process.pid, ...infraPids() });
    const result: HttpLoadResult = await load(pool, full.ingestSeconds);
    const cores = meter.coresUsed();
    const memory = service.memory();
    pool = [];
    return {
      eventsPerSecond: Math.round(
        (result.requests2xx * EVENTS_PER_REQUEST) / result.durationSeconds,
      ),
      durationSeconds: result.durationSeconds,
      connections: options.connections,
      requests2xx: result.requests2xx,
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      reusedBodies: result.reusedBodies,
      acceptedInResponses: result.acceptedInBodies,
      acceptedOnTopic: (await infra.settledRecordCount(topic, 2_000)) - before,
      requestLatencyMs: result.latencyMs,
      cores,
      memory,
      record: await infra.recordShape(topic),
    };
  } finally {
    await service.stop();
  }
}

/** `count` /v1/batch bodies of track calls from the identity stream, each sent once. */
function requestBodies(count: number, tag: string): Buffer[] {
  return Array.from({ length: count }, (_, n) =>
    Buffer.from(
      JSON.stringify({
        batch: identityStream(n + 1, EVENTS_PER_REQUEST, `${runId}-${tag}-${n}`).map((event) =>
          segmentCall(event),
        ),
      }),
    ),
  );
}

async function startPipeline(
  kafka: Kafka,
  infra: BenchInfrastructure,
  suffix: string,
  database: string,
): Promise<Pipeline> {
  const webhook = new DeliveredProfiles();
  const receiver = await WebhookCounter.start((body, at) => webhook.take(body, at));
  const services = {} as Record<Service, ServiceProcess>;
  for (const service of SERVICES)
    services[service] = await startService(service, suffix, `${database}_${service}`);
  const targetTopic = `bench-target.${suffix}`;
  await infra.createTopic(targetTopic, options.partitions);
  const filter = { profileUpdates: true, merges: true };
  await services.activation.createSubscription({
    id: 'bench-webhook',
    target: { type: 'webhook', url: receiver.url('bench-webhook') },
    filter,
  });
  await services.activation.createSubscription({
    id: 'bench-kafka',
    target: { type: 'kafka', topic: targetTopic },
    filter,
    format: 'json',
  });
  const kafkaTarget = new DeliveredProfiles();
  const resolvedAt = new Map<string, number>();
  const profiledAt = new Map<string, number>();
  const topics = new TopicNames(suffix);
  const followers = [
    await TopicFollower.start(kafka, targetTopic, suffix, (value, at) =>
      kafkaTarget.take(value.toString(), at),
    ),
    await TopicFollower.start(kafka, topics.resolve(TOPICS.resolvedEvents), suffix, (value, at) => {
      const { anonymousId } = codec.decodeAs('ResolvedEvent', value);
      if (anonymousId && !resolvedAt.has(anonymousId)) resolvedAt.set(anonymousId, at);
    }),
    await TopicFollower.start(kafka, topics.resolve(TOPICS.profiles), suffix, (value, at) => {
      for (const { type, value: id } of codec.decodeAs('ProfileSnapshot', value).identifiers)
        if (type === 'anonymous_id' && !profiledAt.has(id)) profiledAt.set(id, at);
    }),
  ];
  const writeKey = await services.ingestion.createSource('bench');
  // The consumer groups settle before the first event arrives.
  await sleep(3_000);
  return {
    services,
    writeKey,
    webhook,
    kafkaTarget,
    resolvedAt,
    profiledAt,
    receiver,
    followers,
    acceptedTopic: topics.resolve(TOPICS.acceptedEvents),
    accepted: 0,
  };
}

async function stopPipeline(pipeline: Pipeline): Promise<void> {
  for (const follower of pipeline.followers) await follower.stop();
  await Promise.all(SERVICES.map((name) => pipeline.services[name].stop()));
  await pipeline.receiver.close();
}

function startService(service: Service, suffix: string, database: string): Promise<ServiceProcess> {
  return ServiceProcess.start({
    ...options,
    service,
    topicSuffix: suffix,
    database,
    workDir,
    env: service === 'activation' ? ACTIVATION_ENV : undefined,
  });
}

/**
 * The pipeline at saturation: a closed loop keeps `backlog` events accepted but not yet delivered
 * (so every stage always has work, and the queue stays bounded), over `PIPELINE_CONNECTIONS`
 * request loops of 100 track calls of the identity stream (70 % returning customers, 20 % new,
 * 10 % linking two). After a warm-up, the window counts the events the webhook subscriber's
 * latest profile states hold (and the Kafka target's); then the loop stops and the pipeline drains.
 */
async function measureSaturation(pipeline: Pipeline, infra: BenchInfrastructure) {
  const events = identityStream(11, SATURATION_POOL, `${runId}-sat`);
  let next = 0;
  let inFlight = 0;
  let stopped = false;
  const pending = () => pipeline.accepted + inFlight - pipeline.webhook.events;
  const sender = async () => {
    while (!stopped && next < events.length) {
      if (pending() >= full.backlog) {
        await sleep(20);
        continue;
      }
      const batch = events.slice(next, (next += EVENTS_PER_REQUEST));
      inFlight += batch.length;
      try {
        await send(pipeline, batch);
      } finally {
        inFlight -= batch.length;
      }
    }
  };
  const senders = Promise.all(Array.from({ length: PIPELINE_CONNECTIONS }, sender));
  await sleep(full.saturationWarmupSeconds * 1000);

  const mark = () => ({
    at: performance.now(),
    webhook: pipeline.webhook.events,
    webhookMessages: pipeline.webhook.received,
    kafkaTarget: pipeline.kafkaTarget.events,
    accepted: pipeline.accepted,
  });
  const from = mark();
  const window = { fromMicros: monotonicMicros(), toMicros: 0 };
  const meter = new CpuMeter({
    ...Object.fromEntries(SERVICES.map((name) => [name, pipeline.services[name].pid])),
    bench: process.pid,
    ...infraPids(),
  });
  const perSecond: number[] = [];
  const maxRssMiB = Object.fromEntries(SERVICES.map((name) => [name, 0]));
  for (let second = 0; second < full.saturationSeconds; second++) {
    const before = pipeline.webhook.events;
    await sleep(1_000);
    perSecond.push(pipeline.webhook.events - before);
    for (const name of SERVICES)
      maxRssMiB[name] = Math.max(maxRssMiB[name], pipeline.services[name].memory().rssMiB);
  }
  const to = mark();
  window.toMicros = monotonicMicros();
  const cores = meter.coresUsed();
  const rssMiB = Object.fromEntries(
    SERVICES.map((name) => [name, pipeline.services[name].memory().rssMiB]),
  );
  stopped = true;
  await senders;
  if (next >= events.length) log('the saturation phase ran out of generated events');
  const seconds = (to.at - from.at) / 1000;
  const drained = await drain(pipeline);
  const rate = (key: 'webhook' | 'webhookMessages' | 'kafkaTarget' | 'accepted') =>
    round((to[key] - from[key]) / seconds, 1);
  const eventsPerSecond = rate('webhook');
  return {
    window,
    result: {
      eventsPerSecond,
      kafkaTargetEventsPerSecond: rate('kafkaTarget'),
      webhookMessagesPerSecond: rate('webhookMessages'),
      httpAcceptedPerSecond: rate('accepted'),
      seconds: round(seconds, 2),
      warmupSeconds: full.saturationWarmupSeconds,
      backlog: full.backlog,
      connections: PIPELINE_CONNECTIONS,
      webhookEventsBySecond: perSecond,
      accepted: pipeline.accepted,
      drained,
      cores,
      cpuMicrosPerEvent: Object.fromEntries(
        Object.entries(cores)
          .filter(([name]) => name !== 'machine')
          .map(([name, used]) => [name, Math.round((used / eventsPerSecond) * 1e6)]),
      ),
      rssMiB,
      maxRssMiB,
      acceptedRecord: await infra.recordShape(pipeline.acceptedTopic),
    },
  };
}

/**
 * Latency at `rate` events/s offered in an open loop for `latencySeconds`: the same stream as the
 * saturation phase (new customers of their own); each event that brings a new customer is
 * followed from sending its request to the first profile state showing its anonymous id at the
 * webhook receiver and at the Kafka target.
 */
async function measureLatency(
  pipeline: Pipeline,
  fraction: number,
  rate: number,
): Promise<LatencyLevel> {
  const tag = `${runId}-lat${Math.round(fraction * 100)}`;
  const events = identityStream(17, Math.ceil(rate * full.latencySeconds) + 100, tag);
  const seen = new Set<string>();
  const tracked = events.map((event) => {
    const anonymousId = event.anonymousId ?? '';
    if (seen.has(anonymousId)) return null;
    seen.add(anonymousId);
    return anonymousId;
  });
  const sentAt = new Map<string, number>();
  const answeredAt = new Map<string, number>();
  let cursor = 0;
  const webhookBefore = pipeline.webhook.events;
  const offer = await offerOpenLoop(rate, full.latencySeconds, async (_tick, count) => {
    const ids = tracked.slice(cursor, cursor + count).filter((id) => id !== null);
    const batch = events.slice(cursor, (cursor += count));
    const at = performance.now();
    for (const id of ids) sentAt.set(id, at);
    await send(pipeline, batch);
    const answered = performance.now();
    for (const id of ids) answeredAt.set(id, answered);
  });
  const deliveredAll = () =>
    [...sentAt.keys()].every(
      (id) => pipeline.webhook.firstSeen.has(id) && pipeline.kafkaTarget.firstSeen.has(id),
    );
  await waitFor(deliveredAll, DRAIN_MS, 'every tracked event delivered').catch(() =>
    log('some tracked events were not delivered in time'),
  );
  const drained = await drain(pipeline);
  const since = (from: Map<string, number>, to: Map<string, number>) =>
    [...from].flatMap(([id, start]) => {
      const end = to.get(id);
      return end === undefined ? [] : [end - start];
    });
  const webhook = since(sentAt, pipeline.webhook.firstSeen);
  const kafkaTarget = since(sentAt, pipeline.kafkaTarget.firstSeen);
  return {
    fraction,
    offeredEventsPerSecond: rate,
    seconds: full.latencySeconds,
    sent: offer.sent,
    accepted: offer.accepted,
    failedRequests: offer.failed,
    firstErrors: offer.firstErrors,
    sentPerSecond: round(offer.sent / full.latencySeconds, 1),
    deliveredEvents: pipeline.webhook.events - webhookBefore,
    tracked: sentAt.size,
    matchedWebhook: webhook.length,
    matchedKafkaTarget: kafkaTarget.length,
    webhookMs: percentiles(webhook),
    kafkaTargetMs: percentiles(kafkaTarget),
    // From the same send time, how far the followed events had got: where the time goes.
    stagesMs: {
      httpAnswer: percentiles(since(sentAt, answeredAt)),
      resolvedTopic: percentiles(since(sentAt, pipeline.resolvedAt)),
      profilesTopic: percentiles(since(sentAt, pipeline.profiledAt)),
    },
    drained,
  };
}

async function send(pipeline: Pipeline, batch: Event[]): Promise<void> {
  await postBatch(
    pipeline.services.ingestion.url,
    pipeline.writeKey,
    batch.map((event) => segmentCall(event)),
  );
  pipeline.accepted += batch.length;
}

/** Waits until both subscribers hold every accepted event; false when they did not in time. */
function drain(pipeline: Pipeline): Promise<boolean> {
  return waitFor(
    () =>
      pipeline.webhook.events >= pipeline.accepted &&
      pipeline.kafkaTarget.events >= pipeline.accepted,
    DRAIN_MS,
    'the pipeline to drain',
  ).then(
    () => true,
    () => {
      log(`not drained: ${pipeline.accepted - pipeline.webhook.events} events not delivered`);
      return false;
    },
  );
}

/** Diagnostic (`BENCH_CPU_PROFILE=1`): where each service's CPU went in the saturation window. */
function cpuProfiles(window: ProfileWindow, services: Record<string, string>): string {
  return readdirSync(workDir)
    .flatMap((file) => {
      // node names a profile CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile
      const service = services[file.split('.')[3]];
      if (!file.endsWith('.cpuprofile') || !service) return [];
      return [`== ${service}\n${summarizeCpuProfile(path.join(workDir, file), window)}`];
    })
    .join('\n\n');
}

async function write(run: FullBenchRun): Promise<void> {
  await appendBenchRun(
    OUTPUT,
    {
      benchmark: 'full',
      description:
        'npm run bench: a bare Kafka relay, ingestion alone, and HTTP -> ingestion -> identity -> enrichment -> activation -> webhook and Kafka-target subscribers at saturation, latency at 25/50/75 % of it, RSS of each service; see docs/benchmarks.md',
    },
    run,
  );
  writeLatencyPlot(PLOT, run);
  log(
    `figures appended to ${path.relative(options.root, OUTPUT)}; plot ${path.relative(options.root, PLOT)}`,
  );
  if (!full.quick && (await updateBenchmarksDoc(DOC, run)))
    log(`figures written into ${path.relative(options.root, DOC)}`);
}

function gitState(): { commit: string; dirty: boolean } {
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: options.root, encoding: 'utf8' }).trim();
  return { commit: git('rev-parse', 'HEAD'), dirty: git('status', '--porcelain').length > 0 };
}

/** A phase on its own topics, with a database per service, removed afterwards. */
function withRun<T>(
  name: string,
  services: readonly string[],
  work: (infra: BenchInfrastructure, suffix: string, database: string) => Promise<T>,
): Promise<T> {
  const databases = (database: string) => services.map((service) => `${database}_${service}`);
  return withBenchRun(options, runId, name, databases, work, log);
}

function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

runBench(main);
