import { AvroCodec, TOPICS, TopicNames } from '@tessera/contracts';
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
import { ProfilesReader } from './profiles-reader';
import { ServiceProcess } from './service-process';

/**
 * `npm run bench:pipeline`: events per second through ingestion -> identity -> enrichment (HTTP
 * in, every event folded into a profile on the profiles topic) at saturation, against a bare Kafka
 * relay in the same run; and the latency from the HTTP request to the first profile record that
 * holds the event, at a fixed offered load of half the saturation rate.
 */
const options = readBenchOptions();
const EVENTS = Number(process.env.BENCH_PIPELINE_EVENTS ?? 10_000);
const LATENCY_SECONDS = Number(process.env.BENCH_PIPELINE_LATENCY_SECONDS ?? 20);
const EVENTS_PER_REQUEST = 100;
const CONNECTIONS = 4;
const OUTPUT = path.resolve(options.root, 'docs/benchmarks/pipeline.json');
const SERVICES = ['ingestion', 'identity', 'enrichment'] as const;
const codec = new AvroCodec();
const runId = randomUUID().slice(0, 8);
const log = (message: string) => console.log(`[bench:pipeline] ${message}`);

interface Pipeline {
  services: Record<(typeof SERVICES)[number], ServiceProcess>;
  writeKey: string;
  profiles: ProfilesReader;
}

async function main(): Promise<void> {
  await BenchInfrastructure.ensureRunning(options.root, options.kafkaBrokers, options.mongoUri);
  const kafka = new Kafka({ brokers: options.kafkaBrokers, logLevel: logLevel.NOTHING });
  log(`bare Kafka relay of ${EVENTS * 10} records`);
  const relay = await withRun('relay', (infra, suffix) =>
    relayEventStream(
      infra,
      options.kafkaBrokers,
      options.partitions,
      suffix,
      EVENTS * 10,
      `${runId}-relay`,
    ),
  );

  log(`saturation: ${EVENTS} events over HTTP, ${CONNECTIONS} connections`);
  const saturation = await withRun('saturation', async (_infra, suffix, database) => {
    const pipeline = await startPipeline(kafka, suffix, database);
    try {
      const meter = new CpuMeter({
        ...Object.fromEntries(SERVICES.map((name) => [name, pipeline.services[name].pid])),
        bench: process.pid,
        ...infraPids(),
      });
      const bodies = chunks(
        identityStream(1, EVENTS, `${runId}-sat`).map((event) => segmentCall(event)),
        EVENTS_PER_REQUEST,
      );
      const started = performance.now();
      await sendAll(pipeline, bodies, CONNECTIONS);
      const httpSeconds = (performance.now() - started) / 1000;
      await waitFor(
        () => pipeline.profiles.foldedEvents() >= EVENTS,
        600_000,
        'every event folded',
      );
      const seconds = (performance.now() - started) / 1000;
      return {
        events: EVENTS,
        eventsPerSecond: round(EVENTS / seconds, 1),
        seconds: round(seconds, 1),
        httpAcceptSeconds: round(httpSeconds, 1),
        cores: meter.coresUsed(),
        rssMiB: Object.fromEntries(
          SERVICES.map((name) => [name, pipeline.services[name].memory().rssMiB]),
        ),
      };
    } finally {
      await stopPipeline(pipeline);
    }
  });

  const rate = Math.max(1, Math.round(saturation.eventsPerSecond / 2));
  log(`latency at ${rate} events/s (half of saturation) for ${LATENCY_SECONDS} s`);
  const latency = await withRun('latency', async (_infra, suffix, database) => {
    const pipeline = await startPipeline(kafka, suffix, database);
    try {
      return await measureLatency(kafka, suffix, pipeline, rate);
    } finally {
      await stopPipeline(pipeline);
    }
  });
  const run = {
    date: new Date().toISOString(),
    runId,
    sourceHash: sourceHash(options.root),
    machine: machineInfo(),
    relay,
    saturation,
    ratio: round(saturation.eventsPerSecond / relay.recordsPerSecond, 4),
    latency: { offeredEventsPerSecond: rate, ...latency },
  };
  console.log(JSON.stringify(run, null, 2));
  await append(run);
}

async function startPipeline(kafka: Kafka, suffix: string, database: string): Promise<Pipeline> {
  const workDir = path.join(options.root, 'tmp', 'bench', `pipeline-${runId}`);
  const services = {} as Pipeline['services'];
  for (const service of SERVICES)
    services[service] = await ServiceProcess.start({
      service,
      root: options.root,
      kafkaBrokers: options.kafkaBrokers,
      mongoUri: options.mongoUri,
      topicSuffix: suffix,
      database: `${database}_${service}`,
      partitions: options.partitions,
      workDir,
      cpuProfile: options.cpuProfile,
      preload: options.storeTiming
        ? [path.join(options.root, 'tools/bench/store-timing.preload.ts')]
        : undefined,
    });
  const writeKey = await services.ingestion.createSource('bench');
  const profiles = await ProfilesReader.start(
    kafka,
    new TopicNames(suffix).resolve(TOPICS.profiles),
  );
  // The consumer groups settle before the first event arrives.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  return { services, writeKey, profiles };
}

async function stopPipeline(pipeline: Pipeline): Promise<void> {
  await pipeline.profiles.stop();
  await Promise.all(SERVICES.map((name) => pipeline.services[name].stop()));
}

/** Sends every body to /v1/batch over `connections` parallel request loops. */
async function sendAll(pipeline: Pipeline, bodies: object[][], connections: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < bodies.length) await post(pipeline, bodies[next++]);
    }),
  );
}

function post(pipeline: Pipeline, batch: object[]): Promise<void> {
  return postBatch(pipeline.services.ingestion.url, pipeline.writeKey, batch);
}

/** Each event its own new customer; latency from sending it to the first profile record holding it. */
/**
 * Each event its own new customer; latency from sending it to the first profile record holding
 * it, and where it went: the HTTP answer, the resolved topic (identity), the profiles topic.
 */
async function measureLatency(
  kafka: Kafka,
  suffix: string,
  pipeline: Pipeline,
  rate: number,
): Promise<{
  offered: number;
  folded: number;
  latencyMs: Percentiles;
  stagesMs: { httpAccepted: Percentiles; resolved: Percentiles; enriched: Percentiles };
}> {
  const perTick = Math.max(1, Math.round(rate / 10));
  const sentAt = new Map<string, number>();
  const acceptedAt = new Map<string, number>();
  const resolvedAt = new Map<string, number>();
  const resolved = kafka.consumer({
    groupId: `bench-resolved-${randomUUID()}`,
    maxWaitTimeInMs: 20,
  });
  await resolved.connect();
  await resolved.subscribe({
    topic: new TopicNames(suffix).resolve(TOPICS.resolvedEvents),
    fromBeginning: true,
  });
  await resolved.run({
    eachMessage: ({ message }) => {
      const { userId } = codec.decodeAs('ResolvedEvent', message.value!);
      if (userId && !resolvedAt.has(userId)) resolvedAt.set(userId, performance.now());
      return Promise.resolve();
    },
  });
  try {
    await atFixedRate(LATENCY_SECONDS * 10, 100, async (tick) => {
      const users: string[] = [];
      const calls = identityStream(tick + 7, perTick, `${runId}-lat-${tick}`).map((event, n) => {
        const userId = `lat-${runId}-${tick}-${n}`;
        users.push(userId);
        sentAt.set(userId, performance.now());
        return segmentCall({ ...event, userId });
      });
      await post(pipeline, calls);
      const accepted = performance.now();
      for (const user of users) acceptedAt.set(user, accepted);
    });
    await waitFor(
      () => [...sentAt.keys()].every((user) => pipeline.profiles.firstSeen.has(user)),
      120_000,
      'every latency event folded',
    ).catch(() => undefined);
  } finally {
    await resolved.disconnect();
  }
  const since = (from: Map<string, number>, to: Map<string, number>) =>
    [...from].flatMap(([user, start]) => {
      const end = to.get(user);
      return end === undefined ? [] : [end - start];
    });
  const latencies = since(sentAt, pipeline.profiles.firstSeen);
  return {
    offered: sentAt.size,
    folded: latencies.length,
    latencyMs: percentiles(latencies),
    stagesMs: {
      httpAccepted: percentiles(since(sentAt, acceptedAt)),
      resolved: percentiles(since(acceptedAt, resolvedAt)),
      enriched: percentiles(since(resolvedAt, pipeline.profiles.firstSeen)),
    },
  };
}

function chunks<T>(items: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, n) =>
    items.slice(n * size, (n + 1) * size),
  );
}

function withRun<T>(
  name: string,
  work: (infra: BenchInfrastructure, suffix: string, database: string) => Promise<T>,
): Promise<T> {
  return withBenchRun(
    options,
    runId,
    name,
    (database) => SERVICES.map((service) => `${database}_${service}`),
    work,
    log,
  );
}

async function append(run: object): Promise<void> {
  await appendBenchRun(
    OUTPUT,
    {
      benchmark: 'pipeline',
      description:
        'npm run bench:pipeline: events per second from HTTP through ingestion, identity and enrichment to the profiles topic, against a bare Kafka relay; see docs/benchmarks.md',
    },
    run,
  );
  log(`figures appended to ${path.relative(options.root, OUTPUT)}`);
}

runBench(main);
