import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { format, resolveConfig } from 'prettier';
import type { RecordShape } from './bench-infrastructure';
import { latencyPlotSvg } from './latency-plot';
import type { Percentiles } from './percentiles';
import type { MachineInfo } from './process-usage';

export interface LatencyLevel {
  /** Of the saturation rate. */
  fraction: number;
  offeredEventsPerSecond: number;
  seconds: number;
  sent: number;
  accepted: number;
  failedRequests: number;
  firstErrors: string[];
  sentPerSecond: number;
  /** Events the webhook subscriber's profile states gained during the level and its drain. */
  deliveredEvents: number;
  /** Events followed (those that bring a new customer) and how many each subscriber showed. */
  tracked: number;
  matchedWebhook: number;
  matchedKafkaTarget: number;
  webhookMs: Percentiles;
  kafkaTargetMs: Percentiles;
  stagesMs: { httpAnswer: Percentiles; resolvedTopic: Percentiles; profilesTopic: Percentiles };
  drained: boolean;
}

type Memory = Record<string, number>;

export interface FullBenchRun {
  date: string;
  runId: string;
  git: { commit: string; dirty: boolean };
  sourceHash: string;
  machine: MachineInfo;
  quick: boolean;
  settings: object;
  relay: { records: number; seconds: number; recordsPerSecond: number; record: RecordShape };
  ingestion: {
    eventsPerSecond: number;
    ratioToRelay: number;
    cores: Record<string, number>;
    memory: { rssMiB: number; peakRssMiB: number };
    record: RecordShape;
  } & Record<string, unknown>;
  pipeline: {
    eventsPerSecond: number;
    kafkaTargetEventsPerSecond: number;
    ratioToRelay: number;
    cores: Record<string, number>;
    cpuMicrosPerEvent: Record<string, number>;
    rssMiB: Memory;
    maxRssMiB: Memory;
    acceptedRecord: RecordShape;
  } & Record<string, unknown>;
  latency: LatencyLevel[];
  peakRssMiB: Memory;
  targets: { ratio: number; p99Ms: number; p99Level: number; rssMB: number };
  wallSeconds: number;
}

const START = '<!-- npm run bench: figures (written by tools/bench/full-bench.ts) -->';
const END = '<!-- end of npm run bench figures -->';
const SERVICES = ['ingestion', 'identity', 'enrichment', 'activation'];
const MIB_IN_MB = 2 ** 20 / 1e6;

/** The plot of latency percentiles (at the webhook) over offered load, as an SVG file. */
export function writeLatencyPlot(file: string, run: FullBenchRun): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const points = run.latency.map((level) => ({
    offered: level.offeredEventsPerSecond,
    fraction: level.fraction,
    ...level.webhookMs,
  }));
  const saturation = run.pipeline.eventsPerSecond;
  const subtitle = `${run.machine.nproc} cores, Kafka and FerretDB on the same machine; saturation ${Math.round(saturation)} events/s; ${run.date.slice(0, 10)}, run ${run.runId}`;
  writeFileSync(
    file,
    latencyPlotSvg(points, {
      title: 'Tessera: HTTP request to webhook, latency over offered load',
      subtitle,
      saturation,
      targetMs: run.targets.p99Ms,
      targetLabel: `p99 target ${run.targets.p99Ms} ms`,
    }),
  );
}

/**
 * Replaces the figures block of docs/benchmarks.md (between its two marker comments) with this
 * run's; false when the document has no such block.
 */
export async function updateBenchmarksDoc(file: string, run: FullBenchRun): Promise<boolean> {
  const doc = readFileSync(file, 'utf8');
  const [start, end] = [doc.indexOf(START), doc.indexOf(END)];
  if (start < 0 || end < start) return false;
  const updated = `${doc.slice(0, start + START.length)}\n\n${figuresMarkdown(run)}\n\n${doc.slice(end)}`;
  const config = (await resolveConfig(file)) ?? {};
  writeFileSync(file, await format(updated, { ...config, parser: 'markdown' }));
  return true;
}

export function figuresMarkdown(run: FullBenchRun): string {
  const { machine, relay, ingestion, pipeline } = run;
  const cores = (names: string[]) => names.map((name) => fixed(pipeline.cores[name])).join(' / ');
  const rows: [string, string][] = [
    [
      '(1) bare Kafka relay, records/s',
      `${n(relay.recordsPerSecond)} (${n(relay.records)} records of ${relay.record.meanValueBytes} bytes in ${relay.seconds} s)`,
    ],
    [
      '(2) ingestion alone, events/s (ratio to the relay)',
      `${n(ingestion.eventsPerSecond)} (${ingestion.ratioToRelay}); ${fixed(ingestion.cores.ingestion)} / ${fixed(ingestion.cores.ferretdb)} cores ingestion / FerretDB; RSS ${n(ingestion.memory.rssMiB)} MiB`,
    ],
    [
      '(3) whole pipeline at saturation, events/s at the webhook (ratio to the relay)',
      `${n(pipeline.eventsPerSecond)} (**${pipeline.ratioToRelay}**)`,
    ],
    [
      'same window, events/s at the Kafka-target subscriber',
      n(pipeline.kafkaTargetEventsPerSecond),
    ],
    [
      'record on the accepted topic (relay record)',
      `${pipeline.acceptedRecord.meanValueBytes} (${relay.record.meanValueBytes}) bytes`,
    ],
    ['cores at saturation: ingestion / identity / enrichment / activation', cores(SERVICES)],
    [
      'cores at saturation: FerretDB / Kafka / bench / whole machine',
      `${cores(['ferretdb', 'kafka', 'bench', 'machine'])} of ${machine.nproc}`,
    ],
    [
      'CPU per delivered event: ingestion / identity / enrichment / activation / FerretDB',
      `${[...SERVICES, 'ferretdb'].map((name) => n(pipeline.cpuMicrosPerEvent[name])).join(' / ')} µs`,
    ],
    ...run.latency.map((level): [string, string] => [
      `(4) latency at ${pct(level.fraction)} (${n(level.offeredEventsPerSecond)} events/s): p50 / p95 / p99, HTTP to webhook`,
      `${ms(level.webhookMs)} (${n(level.matchedWebhook)} of ${n(level.tracked)} followed events)`,
    ]),
    ...run.latency.map((level): [string, string] => [
      `at ${pct(level.fraction)}, p50 (p99) from the send to: HTTP answer / resolved topic / profiles topic / Kafka target / webhook`,
      [
        level.stagesMs.httpAnswer,
        level.stagesMs.resolvedTopic,
        level.stagesMs.profilesTopic,
        level.kafkaTargetMs,
        level.webhookMs,
      ]
        .map((stage) => `${n(stage.p50)} (${n(stage.p99)})`)
        .join(' / ') + ' ms',
    ]),
    [
      '(5) RSS at saturation, max in the window: ingestion / identity / enrichment / activation',
      `${SERVICES.map((name) => n(pipeline.maxRssMiB[name])).join(' / ')} MiB`,
    ],
    [
      'peak RSS over the run (VmHWM)',
      `${SERVICES.map((name) => n(run.peakRssMiB[name])).join(' / ')} MiB`,
    ],
  ];
  const commit = `${run.git.commit.slice(0, 12)}${run.git.dirty ? ' with uncommitted changes' : ''}`;
  return [
    `Run ${run.date.slice(0, 16).replace('T', ' ')} UTC (run \`${run.runId}\`, commit \`${commit}\`, source \`${run.sourceHash}\`), ${Math.round(run.wallSeconds / 6) / 10} min in all; ${machine.nproc} vCPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, Linux ${machine.kernel}, Node ${machine.node}; Kafka and FerretDB on the same machine. Raw figures: [\`benchmarks/full.json\`](benchmarks/full.json).`,
    table(['figure', 'value'], rows),
    table(['target', 'measured', ''], targetRows(run)),
    '![Latency percentiles over offered load](benchmarks/latency.svg)',
  ].join('\n\n');
}

function targetRows(run: FullBenchRun): [string, string, string][] {
  const { targets } = run;
  const half = run.latency.find((level) => level.fraction === targets.p99Level);
  const rss = (label: string, byService: Memory): [string, string, string] => {
    const [service, mib] = Object.entries(byService).sort((a, b) => b[1] - a[1])[0];
    return [
      label,
      `${service}, ${n(mib)} MiB (${n(mib * MIB_IN_MB)} MB)`,
      verdict(mib * MIB_IN_MB < targets.rssMB),
    ];
  };
  return [
    [
      `whole pipeline ≥ ${targets.ratio} of the bare relay`,
      `${run.pipeline.ratioToRelay}`,
      verdict(run.pipeline.ratioToRelay >= targets.ratio),
    ],
    [
      `p99 < ${targets.p99Ms} ms at ${pct(targets.p99Level)} of saturation`,
      half ? `${n(half.webhookMs.p99)} ms` : 'not measured',
      half ? verdict(half.webhookMs.p99 < targets.p99Ms) : '—',
    ],
    rss(
      `each service < ${targets.rssMB} MB resident at the pipeline's saturation (largest)`,
      run.pipeline.maxRssMiB,
    ),
    rss('the same, ingestion at its own saturation (2)', {
      ingestion: run.ingestion.memory.rssMiB,
    }),
    rss('the same, peak (VmHWM) over the whole run (largest)', run.peakRssMiB),
  ];
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function verdict(met: boolean): string {
  return met ? '**met**' : '**missed**';
}

function ms(p: Percentiles): string {
  return `${n(p.p50)} / ${n(p.p95)} / ${n(p.p99)} ms`;
}

function pct(fraction: number): string {
  return `${Math.round(fraction * 100)} %`;
}

function fixed(value: number | undefined): string {
  return value === undefined || Number.isNaN(value) ? '—' : value.toFixed(2);
}

function n(value: number | undefined): string {
  return value === undefined ? '—' : Math.round(value).toLocaleString('en-US');
}

// Draws the plot and the figures block again from the last run of a figures file (after a
// change to how they are shown): node -r @swc-node/register tools/bench/full-bench-report.ts
if (require.main === module) {
  const root = path.resolve(__dirname, '../..');
  const { runs } = JSON.parse(
    readFileSync(path.join(root, 'docs/benchmarks/full.json'), 'utf8'),
  ) as { runs: FullBenchRun[] };
  const run = runs[runs.length - 1];
  writeLatencyPlot(path.join(root, 'docs/benchmarks/latency.svg'), run);
  void updateBenchmarksDoc(path.join(root, 'docs/benchmarks.md'), run).then((written) =>
    console.log(written ? `run ${run.runId} drawn again` : 'no figures block in the document'),
  );
}
