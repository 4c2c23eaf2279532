import { integer } from './bench-options';

export interface FullBenchOptions {
  /** Short windows for trying the bench out; its figures go to tmp/, not to docs/. */
  quick: boolean;
  relayRecords: number;
  ingestWarmupSeconds: number;
  ingestSeconds: number;
  /** Load on the pipeline before the saturation window, so every stage is busy when it opens. */
  saturationWarmupSeconds: number;
  saturationSeconds: number;
  /** Events accepted but not yet delivered that the saturation load keeps (a closed loop). */
  backlog: number;
  latencySeconds: number;
  /** Shares of the saturation rate offered in the latency phases. */
  levels: number[];
}

/** `npm run bench [-- --quick]` and its BENCH_FULL_* variables. */
export function readFullBenchOptions(
  argv: string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
): FullBenchOptions {
  const quick = argv.includes('--quick');
  const levels = (env.BENCH_FULL_LEVELS?.trim() || '25,50,75').split(',').map(Number);
  if (levels.some((level) => !(level > 0 && level <= 100)))
    throw new Error('BENCH_FULL_LEVELS must be percentages of saturation, e.g. 25,50,75');
  return {
    quick,
    relayRecords: integer(env, 'BENCH_FULL_RELAY_RECORDS', quick ? 50_000 : 200_000),
    ingestWarmupSeconds: integer(env, 'BENCH_FULL_INGEST_WARMUP_SECONDS', quick ? 3 : 5),
    ingestSeconds: integer(env, 'BENCH_FULL_INGEST_SECONDS', quick ? 8 : 20),
    saturationWarmupSeconds: integer(env, 'BENCH_FULL_WARMUP_SECONDS', quick ? 5 : 15),
    saturationSeconds: integer(env, 'BENCH_FULL_SATURATION_SECONDS', quick ? 10 : 30),
    backlog: integer(env, 'BENCH_FULL_BACKLOG', 2_000),
    latencySeconds: integer(env, 'BENCH_FULL_LATENCY_SECONDS', quick ? 8 : 20),
    levels: levels.map((level) => level / 100),
  };
}
