// `npm run bench:ingest`: the ingestion service's /v1/batch throughput against a bare kafkajs
// producer on the same broker, in the same run. Method and figures: docs/benchmarks.md.
import { TOPICS, TopicNames } from '@tessera/contracts';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { readBenchOptions, type BenchOptions } from './bench-options';
import { BenchInfrastructure } from './bench-infrastructure';
import { appendRun, printSummary, type BenchRun } from './bench-report';
import { summarizeCpuProfile } from './cpu-profile-summary';
import { loadBatchEndpoint, type HttpLoadResult } from './http-load';
import { ServiceProcess } from './service-process';
import type { KafkaBaselineResult } from './kafka-baseline';
import { runKafkaBaselineProcess } from './kafka-baseline-process';
import { CpuMeter, infraPids, machineInfo, sourceHash, type MachineInfo } from './process-usage';
import { measureRequestCpuCost, type RequestCpuCost } from './request-cpu-cost';
import { SegmentEventFactory } from './segment-event-factory';
import { probeStore, type StoreProbeResult } from './store-probe';

/** Bodies are kept in memory (~75 KB each); past the pool the run reuses bodies and says so. */
const MAX_BODIES = 16_000;
const WARMUP_BODIES = 2_000;
const BASELINE_BATCHES = 300;
const CPU_COST_BODIES = 100;
const BASELINE_WARMUP_SECONDS = 3;
const STORE_PROBE_SAMPLES = 3;
/** The ingestion service's dedupe collection (apps/ingestion/src/collection/dedupe.schema.ts). */
const DEDUPE_COLLECTION = 'dedupe';

async function main(): Promise<void> {
  const options = readBenchOptions();
  await BenchInfrastructure.ensureRunning(options.root, options.kafkaBrokers, options.mongoUri);
  const machine = machineInfo();
  const runId = randomBytes(4).toString('hex');
  const suffix = `bench-${runId}`;
  const database = `tessera_bench_${runId}`;
  const workDir = path.join(options.root, 'tmp/bench', suffix);
  const infra = new BenchInfrastructure(options.kafkaBrokers, options.mongoUri, suffix);
  const factory = new SegmentEventFactory();
  const diagnostic = { cpuProfile: options.cpuProfile, dedupe: options.dedupe === 'memory' };
  if (diagnostic.dedupe) log('diagnostic run: dedupe claims kept in memory, not in the store');
  log(`run ${suffix}: ${machine.nproc} cores (${machine.cpuModel}), node ${machine.node}`);

  let service: ServiceProcess | undefined;
  let cleaning: Promise<void> | undefined;
  const children = new AbortController();
  const cleanup = () =>
    (cleaning ??= (async () => {
      children.abort();
      await service?.stop();
      await infra.cleanup(database);
      log(`cleaned up topics *${suffix} and database ${database}; service log in ${workDir}`);
    })());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void cleanup().finally(() => process.exit(130)));
  }
  try {
    service = await ServiceProcess.start({
      service: 'ingestion',
      ...options,
      topicSuffix: suffix,
      database,
      workDir,
      preload: diagnostic.dedupe ? [path.join(__dirname, 'in-memory-dedupe.preload.ts')] : [],
    });
    const servicePid = service.pid;
    const meter = () => new CpuMeter({ service: servicePid, bench: process.pid, ...infraPids() });
    const writeKey = await service.createSource('bench');
    const acceptedTopic = new TopicNames(suffix).resolve(TOPICS.acceptedEvents);
    // Same shape of name and partition count as the service's topic; ends with the suffix too.
    const baselineTopic = new TopicNames(`baseline-${suffix}`).resolve(TOPICS.acceptedEvents);
    await infra.createTopic(baselineTopic, options.partitions);

    const sample = bodies(factory, CPU_COST_BODIES, options);
    const cpuCost = measureRequestCpuCost(sample);

    const baselines: KafkaBaselineResult[] = [];
    const baselineCores: Record<string, number>[] = [];
    const measureBaseline = async (label: string) => {
      log(`Kafka baseline ${label} (${options.connections} senders, ${options.durationSeconds} s)`);
      let cpu: CpuMeter | undefined;
      const result = await baseline(options, baselineTopic, () => (cpu = meter()), children.signal);
      baselines.push(result);
      baselineCores.push(cpu?.coresUsed({ producer: result.coresUsed }) ?? {});
    };
    await measureBaseline('1/2');

    log(`ingestion warm-up (${options.warmupSeconds} s)`);
    const warmup = await loadBatchEndpoint({
      url: service.url,
      writeKey,
      bodies: bodies(factory, WARMUP_BODIES, options),
      eventsPerRequest: options.eventsPerRequest,
      connections: options.connections,
      durationSeconds: options.warmupSeconds,
    });
    // The warm-up rate is the best the run will see (the dedupe collection only grows).
    const poolSize = Math.min(
      MAX_BODIES,
      Math.ceil(Math.max(...warmup.perSecond, 1) * (options.durationSeconds + 2) * 2),
    );
    const topicBefore = await infra.settledRecordCount(acceptedTopic, quietPeriod(warmup));
    const dedupeBefore = await infra.documentCount(database, DEDUPE_COLLECTION);

    log(`generating ${poolSize} request bodies (${options.eventsPerRequest} events each)`);
    let pool = bodies(factory, poolSize, options);
    log(`ingestion load (${options.connections} connections, ${options.durationSeconds} s)`);
    const ingestionCpu = meter();
    const loadStart = monotonicMicros();
    const load = await loadBatchEndpoint({
      url: service.url,
      writeKey,
      bodies: pool,
      eventsPerRequest: options.eventsPerRequest,
      connections: options.connections,
      durationSeconds: options.durationSeconds,
    });
    const loadWindow = { fromMicros: loadStart, toMicros: monotonicMicros() };
    // Hundreds of MB of Buffers: let them go, so they do not load the GC in the second baseline.
    pool = [];
    const ingestionCores = ingestionCpu.coresUsed();
    const memory = service.memory();
    const acceptedOnTopic =
      (await infra.settledRecordCount(acceptedTopic, quietPeriod(load))) - topicBefore;
    const dedupeAfter = await infra.documentCount(database, DEDUPE_COLLECTION);
    const records = {
      service: await infra.recordShape(acceptedTopic),
      baseline: await infra.recordShape(baselineTopic),
    };

    let store: StoreProbeResult | null = null;
    if (!diagnostic.dedupe) {
      log(`store round trips on the dedupe collection (${dedupeAfter} entries)`);
      store = await probeStore({
        mongoUri: options.mongoUri,
        database,
        collection: DEDUPE_COLLECTION,
        keysPerRequest: options.eventsPerRequest,
        samples: STORE_PROBE_SAMPLES,
      });
    }

    await measureBaseline('2/2');

    const run = report({
      options,
      machine,
      runId,
      sample,
      warmup,
      load,
      acceptedOnTopic,
      dedupeEntries: { before: dedupeBefore, after: dedupeAfter },
      records,
      ingestionCores,
      memory,
      baselines,
      baselineCores,
      store,
      cpuCost,
    });
    printSummary(run);
    if (diagnostic.cpuProfile) {
      await service.stop();
      service = undefined;
      const profile = readdirSync(workDir).find((file) => file.endsWith('.cpuprofile'));
      if (profile) console.log(summarizeCpuProfile(path.join(workDir, profile), loadWindow));
    }
    if (diagnostic.cpuProfile || diagnostic.dedupe) {
      log('diagnostic run: figures not written to the figures file');
    } else {
      await appendRun(options.output, run);
      log(`figures appended to ${path.relative(options.root, options.output)}`);
    }
  } finally {
    await cleanup();
  }
}

/** Long enough for the requests the load generator abandoned at its end to finish. */
function quietPeriod(load: HttpLoadResult): number {
  return Math.min(31_000, Math.max(1_500, load.latencyMs.max + 1_000));
}

function baseline(
  options: BenchOptions,
  topic: string,
  onMeasuring: () => void,
  signal: AbortSignal,
) {
  return runKafkaBaselineProcess(
    options.root,
    {
      brokers: options.kafkaBrokers,
      topic,
      batches: BASELINE_BATCHES,
      eventsPerBatch: options.eventsPerRequest,
      senders: options.connections,
      durationSeconds: options.durationSeconds,
      warmupSeconds: BASELINE_WARMUP_SECONDS,
    },
    onMeasuring,
    signal,
  );
}

function bodies(factory: SegmentEventFactory, count: number, options: BenchOptions): Buffer[] {
  return Array.from({ length: count }, () => factory.batchBody(options.eventsPerRequest));
}

interface Measurements {
  options: BenchOptions;
  machine: MachineInfo;
  runId: string;
  sample: Buffer[];
  warmup: HttpLoadResult;
  load: HttpLoadResult;
  acceptedOnTopic: number;
  dedupeEntries: { before: number; after: number };
  records: BenchRun['records'];
  ingestionCores: Record<string, number>;
  memory: { rssMiB: number; peakRssMiB: number };
  baselines: KafkaBaselineResult[];
  baselineCores: Record<string, number>[];
  store: StoreProbeResult | null;
  cpuCost: RequestCpuCost;
}

function report(m: Measurements): BenchRun {
  const { options, load, warmup } = m;
  const perRequest = options.eventsPerRequest;
  const eventsPerSecond = Math.round((load.requests2xx * perRequest) / load.durationSeconds);
  const baselineEventsPerSecond = Math.round(
    m.baselines.reduce((sum, run) => sum + run.eventsPerSecond, 0) / m.baselines.length,
  );
  const sampleBytes = m.sample.reduce((sum, body) => sum + body.length, 0);
  return {
    date: m.machine.date,
    runId: m.runId,
    sourceHash: sourceHash(options.root),
    machine: m.machine,
    settings: {
      connections: options.connections,
      pipelining: 1,
      durationSeconds: options.durationSeconds,
      warmupSeconds: options.warmupSeconds,
      eventsPerRequest: perRequest,
      partitions: options.partitions,
      meanRequestBytes: Math.round(sampleBytes / m.sample.length),
      meanEventJsonBytes: Math.round(sampleBytes / (m.sample.length * perRequest)),
      meanAvroValueBytes: m.baselines[0].meanAvroValueBytes,
    },
    warmup: {
      eventsPerSecond: Math.round((warmup.requests2xx * perRequest) / warmup.durationSeconds),
      requests2xx: warmup.requests2xx,
      non2xx: warmup.non2xx,
      errors: warmup.errors,
      requestsPerSecondBySecond: warmup.perSecond,
    },
    ingestion: {
      eventsPerSecond,
      requestsPerSecond: Math.round((load.requests2xx / load.durationSeconds) * 10) / 10,
      durationSeconds: load.durationSeconds,
      requests2xx: load.requests2xx,
      non2xx: load.non2xx,
      errors: load.errors,
      timeouts: load.timeouts,
      statusCodes: load.statusCodes,
      latencyMs: load.latencyMs,
      acceptedInResponses: load.acceptedInBodies,
      duplicatesInResponses: load.duplicatesInBodies,
      responsesWithoutAll: load.shortResponses,
      reusedBodies: load.reusedBodies,
      acceptedOnTopic: m.acceptedOnTopic,
      dedupeEntries: m.dedupeEntries,
      requestsPerSecondBySecond: load.perSecond,
      firstErrors: load.firstErrors,
      coresUsed: m.ingestionCores,
      rssMiB: m.memory.rssMiB,
      peakRssMiB: m.memory.peakRssMiB,
    },
    baseline: {
      eventsPerSecond: baselineEventsPerSecond,
      runs: m.baselines.map((run, index) => ({ ...run, coresUsed: m.baselineCores[index] })),
    },
    records: m.records,
    ratio: Math.round((eventsPerSecond / baselineEventsPerSecond) * 10_000) / 10_000,
    store: m.store,
    requestCpuCostMs: m.cpuCost,
  };
}

function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

const started = Date.now();

function log(message: string): void {
  console.log(`[bench +${Math.round((Date.now() - started) / 1000)}s] ${message}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
