import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { format, resolveConfig } from 'prettier';
import type { RecordShape } from './bench-infrastructure';
import type { KafkaBaselineResult } from './kafka-baseline';
import type { MachineInfo } from './process-usage';
import type { RequestCpuCost } from './request-cpu-cost';
import type { StoreProbeResult } from './store-probe';

export interface BenchRun {
  date: string;
  runId: string;
  /** sha256 of the service's source (apps/ingestion/src, libs), first 12 hex digits. */
  sourceHash: string;
  machine: MachineInfo;
  settings: {
    connections: number;
    pipelining: number;
    durationSeconds: number;
    warmupSeconds: number;
    eventsPerRequest: number;
    partitions: number;
    meanRequestBytes: number;
    meanEventJsonBytes: number;
    meanAvroValueBytes: number;
  };
  warmup: {
    eventsPerSecond: number;
    requests2xx: number;
    non2xx: number;
    errors: number;
    requestsPerSecondBySecond: number[];
  };
  ingestion: {
    eventsPerSecond: number;
    requestsPerSecond: number;
    durationSeconds: number;
    requests2xx: number;
    non2xx: number;
    errors: number;
    timeouts: number;
    statusCodes: Record<string, number>;
    latencyMs: { p50: number; p90: number; p99: number; mean: number; max: number };
    acceptedInResponses: number;
    duplicatesInResponses: number;
    responsesWithoutAll: number;
    reusedBodies: number;
    acceptedOnTopic: number;
    dedupeEntries: { before: number; after: number };
    requestsPerSecondBySecond: number[];
    firstErrors: string[];
    coresUsed: Record<string, number>;
    rssMiB: number;
    peakRssMiB: number;
  };
  baseline: {
    eventsPerSecond: number;
    /** coresUsed: of the producer's own process and, metered from outside, of the others. */
    runs: (Omit<KafkaBaselineResult, 'coresUsed'> & { coresUsed: Record<string, number> })[];
  };
  /** What each producer wrote (a sample from the start of each topic). */
  records: { service: RecordShape; baseline: RecordShape };
  /** ingestion events/s over the mean of the two baseline runs. */
  ratio: number;
  /** claim + confirm on an empty collection and on the one the load filled, 1 and N workers. */
  /** Store round trips on the dedupe collection the load filled (not in diagnostic runs). */
  store: StoreProbeResult | null;
  requestCpuCostMs: RequestCpuCost;
}

interface BenchFile {
  benchmark: 'ingest';
  description: string;
  runs: BenchRun[];
}

const KEPT_RUNS = 10;

/** Adds the run to the figures file, keeping the latest runs; formatted as `prettier --check` wants. */
export async function appendRun(file: string, run: BenchRun): Promise<void> {
  const previous: BenchRun[] = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as BenchFile).runs
    : [];
  const content: BenchFile = {
    benchmark: 'ingest',
    description:
      'npm run bench:ingest: POST /v1/batch (100 events/request) against a bare kafkajs producer; see docs/benchmarks.md',
    runs: [...previous, run].slice(-KEPT_RUNS),
  };
  mkdirSync(path.dirname(file), { recursive: true });
  const options = (await resolveConfig(file)) ?? {};
  writeFileSync(file, await format(JSON.stringify(content), { ...options, parser: 'json' }));
}

export function printSummary(run: BenchRun): void {
  const { ingestion, baseline, store } = run;
  const rows: [string, string][] = [
    ['ingestion events/s', `${ingestion.eventsPerSecond}`],
    [
      'bare producer events/s',
      `${baseline.eventsPerSecond} (${baseline.runs.map((r) => r.eventsPerSecond).join(', ')})`,
    ],
    ['ratio ingestion / bare', `${run.ratio}`],
    ['request latency p50 / p99', `${ingestion.latencyMs.p50} / ${ingestion.latencyMs.p99} ms`],
    [
      '2xx / non-2xx / errors',
      `${ingestion.requests2xx} / ${ingestion.non2xx} / ${ingestion.errors} ` +
        `(2xx without accepted: ${run.settings.eventsPerRequest}: ${ingestion.responsesWithoutAll})`,
    ],
    [
      'accepted (responses / topic)',
      `${ingestion.acceptedInResponses} / ${ingestion.acceptedOnTopic}`,
    ],
    ['ingestion RSS (peak)', `${ingestion.rssMiB} MiB (${ingestion.peakRssMiB} MiB)`],
    ['cores used under load', formatCores(ingestion.coresUsed)],
    ...baseline.runs.map((runOf, index): [string, string] => [
      `cores used by baseline ${index + 1}`,
      formatCores(runOf.coresUsed),
    ]),
    [
      'dedupe entries before / after load',
      `${ingestion.dedupeEntries.before} / ${ingestion.dedupeEntries.after}`,
    ],
    ['requests/s, second by second', ingestion.requestsPerSecondBySecond.join(' ')],
    ...(['service', 'baseline'] as const).map((who): [string, string] => [
      `${who} records: key / value / headers`,
      `${run.records[who].meanKeyBytes} / ${run.records[who].meanValueBytes} / ` +
        `${run.records[who].meanHeaderBytes} bytes (${run.records[who].headerNames.join(', ') || 'no headers'})`,
    ]),
    [
      'store round trips after the load',
      store
        ? `insertMany(${run.settings.eventsPerRequest}) ${store.insertManyMs} ms, findOne by _id ` +
          `${store.findOneByIdMs} ms, find _id $in(${run.settings.eventsPerRequest}) ` +
          `${store.findByIdInMs} ms, at ${store.entries} entries`
        : 'not probed',
    ],
    [
      'JS CPU per request',
      `${run.requestCpuCostMs.totalMs} ms ${JSON.stringify(run.requestCpuCostMs)}`,
    ],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  console.log('');
  for (const [label, value] of rows) console.log(`  ${label.padEnd(width)}  ${value}`);
  console.log('');
}

function formatCores(cores: Record<string, number>): string {
  return Object.entries(cores)
    .map(([name, value]) => `${name} ${value}`)
    .join(', ');
}
