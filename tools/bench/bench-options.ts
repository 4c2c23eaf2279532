import path from 'node:path';

export interface BenchOptions {
  root: string;
  kafkaBrokers: string[];
  mongoUri: string;
  /** Concurrent HTTP connections, and as many concurrent senders in the Kafka baseline. */
  connections: number;
  durationSeconds: number;
  /** Load before measuring (JIT, connection pools, topic metadata). */
  warmupSeconds: number;
  eventsPerRequest: number;
  partitions: number;
  /** Start the service with `--cpu-prof`; the profile lands in tmp/bench/<run id>/. */
  cpuProfile: boolean;
  /** Diagnostic: the service prints how long its store calls took, per operation, on exit. */
  storeTiming: boolean;
  /** `memory` (diagnostic) replaces the service's dedupe store round trips with a Map. */
  dedupe: 'store' | 'memory';
  output: string;
}

const ROOT = path.resolve(__dirname, '../..');

/** The one place the bench reads its environment. */
export function readBenchOptions(env: NodeJS.ProcessEnv = process.env): BenchOptions {
  return {
    root: ROOT,
    kafkaBrokers: (env.KAFKA_BROKERS?.trim() || '127.0.0.1:9092').split(','),
    mongoUri: env.MONGODB_URI?.trim() || 'mongodb://127.0.0.1:27017/',
    connections: integer(env, 'BENCH_CONNECTIONS', 12),
    durationSeconds: integer(env, 'BENCH_DURATION_SECONDS', 25),
    warmupSeconds: integer(env, 'BENCH_WARMUP_SECONDS', 5),
    eventsPerRequest: 100,
    partitions: 6,
    cpuProfile: env.BENCH_CPU_PROFILE === '1',
    storeTiming: env.BENCH_STORE_TIMING === '1',
    dedupe: env.BENCH_DEDUPE === 'memory' ? 'memory' : 'store',
    output: path.resolve(ROOT, env.BENCH_OUTPUT ?? 'docs/benchmarks/ingest.json'),
  };
}

/** A positive integer from the environment, or the fallback when unset. */
export function integer(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}
