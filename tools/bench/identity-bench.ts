import { AvroCodec, eventKeyOf, TOPICS, TopicNames } from '@tessera/contracts';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { BenchInfrastructure } from './bench-infrastructure';
import { appendBenchRun, round, runBench, withBenchRun } from './bench-runs';
import { readBenchOptions } from './bench-options';
import { identityStream } from './identity-stream';
import { relayOnOwnTopics } from './kafka-relay';
import { percentiles, type Percentiles } from './percentiles';
import { CpuMeter, infraPids, machineInfo, sourceHash } from './process-usage';
import { ServiceProcess } from './service-process';

/**
 * `npm run bench:identity`: how many accepted events per second the identity service resolves
 * with one replica and with two, against a bare Kafka relay (consume a batch, produce it to
 * another topic) in the same run, on the same records; and the latency from the accepted topic to
 * the resolved topic at half the one-replica rate.
 */
const options = readBenchOptions();
const EVENTS = Number(process.env.BENCH_IDENTITY_EVENTS ?? 20_000);
const LATENCY_SECONDS = Number(process.env.BENCH_IDENTITY_LATENCY_SECONDS ?? 20);
const OUTPUT = path.resolve(options.root, 'docs/benchmarks/identity.json');
/** Wait after the replicas are ready, for the consumer group to settle. */
const SETTLE_MS = 3_000;
const codec = new AvroCodec();
const runId = randomUUID().slice(0, 8);
const log = (message: string) => console.log(`[bench:identity] ${message}`);

interface Encoded {
  messageId: string;
  key: Buffer;
  value: Buffer;
}

async function main(): Promise<void> {
  await BenchInfrastructure.ensureRunning(options.root, options.kafkaBrokers, options.mongoUri);
  const kafka = new Kafka({ brokers: options.kafkaBrokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const encode = (seed: number, count: number): Encoded[] =>
    identityStream(seed, count, `${runId}-${seed}`).map((event) => ({
      messageId: event.messageId,
      key: codec.encode('EventKey', eventKeyOf(event)),
      value: codec.encode('Event', event),
    }));
  const fill = async (topic: string, records: Encoded[]) => {
    for (let start = 0; start < records.length; start += 500)
      await producer.sendBatch({
        topicMessages: [{ topic, messages: records.slice(start, start + 500) }],
        acks: -1,
      });
  };
  const records = encode(1, EVENTS);
  // The relay is timed on ten times as many records of the same kind, so that it lasts long
  // enough to be measured.
  const relayed = encode(3, EVENTS * 10);
  try {
    log(`bare Kafka relay of ${relayed.length} records`);
    const relay = await withRun('relay', (infra, suffix) =>
      relayOnOwnTopics(
        infra,
        options.kafkaBrokers,
        options.partitions,
        suffix,
        relayed.length,
        (topic) => fill(topic, relayed),
      ),
    );
    const resolved: Record<string, Drain> = {};
    for (const replicas of [1, 2]) {
      log(
        `identity, ${replicas} replica(s), ${EVENTS} events produced once the replicas are in their group`,
      );
      resolved[replicas] = await withRun(`r${replicas}`, (infra, suffix, database) =>
        drain(infra, suffix, database, replicas, () => fill(topicsOf(suffix).accepted, records)),
      );
    }
    log(`latency at half the one-replica rate for ${LATENCY_SECONDS} s`);
    const rate = Math.max(1, Math.round(resolved[1].eventsPerSecond / 2));
    const latency = await withRun('latency', (infra, suffix, database) =>
      measureLatency(
        kafka,
        infra,
        suffix,
        database,
        rate,
        encode(2, rate * LATENCY_SECONDS),
        producer,
      ),
    );
    const run = {
      date: new Date().toISOString(),
      runId,
      sourceHash: sourceHash(options.root),
      machine: machineInfo(),
      events: EVENTS,
      relay,
      identity: resolved,
      ratio: {
        oneReplica: round(resolved[1].eventsPerSecond / relay.recordsPerSecond, 4),
        twoReplicas: round(resolved[2].eventsPerSecond / relay.recordsPerSecond, 4),
      },
      latency: { offeredEventsPerSecond: rate, ...latency },
    };
    console.log(JSON.stringify(run, null, 2));
    await append(run);
  } finally {
    await producer.disconnect();
  }
}

interface Drain {
  replicas: number;
  eventsPerSecond: number;
  seconds: number;
  rssMiB: number[];
  /** Cores each process used while the events were resolved (1.0 = one core all the time). */
  cores: Record<string, number>;
}

function topicsOf(suffix: string) {
  const topics = new TopicNames(suffix);
  return {
    accepted: topics.resolve(TOPICS.acceptedEvents),
    resolved: topics.resolve(TOPICS.resolvedEvents),
  };
}

/** Starts the replicas on a filled accepted topic and times them until every event is resolved. */
async function drain(
  infra: BenchInfrastructure,
  suffix: string,
  database: string,
  replicas: number,
  fill: () => Promise<void>,
): Promise<Drain> {
  const { accepted, resolved } = topicsOf(suffix);
  await infra.createTopic(accepted, options.partitions);
  // Every replica is in the group (and the group has settled) before the first event arrives, so
  // a rebalance is not part of what is timed.
  const services = await startReplicas(suffix, database, replicas);
  try {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const meter = new CpuMeter({
      ...Object.fromEntries(services.map((service, n) => [`identity${n + 1}`, service.pid])),
      bench: process.pid,
      ...infraPids(),
    });
    const filling = fill();
    let started = 0;
    for (;;) {
      const count = await infra.recordCount(resolved).catch(() => 0);
      if (count > 0 && !started) started = performance.now();
      if (count >= EVENTS) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const seconds = (performance.now() - started) / 1000;
    const cores = meter.coresUsed();
    await filling;
    return {
      replicas,
      eventsPerSecond: round(EVENTS / seconds, 1),
      seconds: round(seconds, 1),
      rssMiB: services.map((service) => service.memory().rssMiB),
      cores,
    };
  } finally {
    await Promise.all(services.map((service) => service.stop()));
  }
}

/** Offers events at a fixed rate to one replica; latency from produce to the resolved topic. */
async function measureLatency(
  kafka: Kafka,
  infra: BenchInfrastructure,
  suffix: string,
  database: string,
  rate: number,
  records: Encoded[],
  producer: ReturnType<Kafka['producer']>,
): Promise<{ resolved: number; offered: number; latencyMs: Percentiles }> {
  const { accepted, resolved } = topicsOf(suffix);
  await infra.createTopic(accepted, options.partitions);
  const [service] = await startReplicas(suffix, database, 1);
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const reader = kafka.consumer({ groupId: `bench-reader-${suffix}` });
  await reader.connect();
  await reader.subscribe({ topic: resolved, fromBeginning: true });
  await reader.run({
    eachMessage: ({ message }) => {
      const event = codec.decodeAs('ResolvedEvent', message.value!);
      const sent = sentAt.get(event.messageId);
      if (sent !== undefined) latencies.push(performance.now() - sent);
      return Promise.resolve();
    },
  });
  try {
    const perTick = Math.max(1, Math.round(rate / 10));
    for (let start = 0; start < records.length; start += perTick) {
      const tick = performance.now();
      const slice = records.slice(start, start + perTick);
      for (const record of slice) sentAt.set(record.messageId, performance.now());
      await producer.sendBatch({ topicMessages: [{ topic: accepted, messages: slice }], acks: -1 });
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, 100 - (performance.now() - tick))),
      );
    }
    const deadline = Date.now() + 60_000;
    while (latencies.length < records.length && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 200));
    return {
      resolved: latencies.length,
      offered: records.length,
      latencyMs: percentiles(latencies),
    };
  } finally {
    await reader.disconnect();
    await service.stop();
  }
}

function startReplicas(suffix: string, database: string, count: number): Promise<ServiceProcess[]> {
  const workDir = path.join(options.root, 'tmp', 'bench', `identity-${runId}`);
  return Promise.all(
    Array.from({ length: count }, () =>
      ServiceProcess.start({
        service: 'identity',
        root: options.root,
        kafkaBrokers: options.kafkaBrokers,
        mongoUri: options.mongoUri,
        topicSuffix: suffix,
        database,
        partitions: options.partitions,
        workDir,
        cpuProfile: options.cpuProfile,
        preload: options.storeTiming
          ? [path.join(options.root, 'tools/bench/store-timing.preload.ts')]
          : undefined,
      }),
    ),
  );
}

function withRun<T>(
  name: string,
  work: (infra: BenchInfrastructure, suffix: string, database: string) => Promise<T>,
): Promise<T> {
  return withBenchRun(options, runId, name, (database) => [database], work, log);
}

async function append(run: object): Promise<void> {
  await appendBenchRun(
    OUTPUT,
    {
      benchmark: 'identity',
      description:
        'npm run bench:identity: accepted events resolved per second by 1 and 2 identity replicas against a bare Kafka relay; see docs/benchmarks.md',
    },
    run,
  );
  log(`figures appended to ${path.relative(options.root, OUTPUT)}`);
}

runBench(main);
