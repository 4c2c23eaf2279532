import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { format, resolveConfig } from 'prettier';
import { BenchInfrastructure } from './bench-infrastructure';
import type { BenchOptions } from './bench-options';

/** What a bench's JSON file says about itself, above its runs. */
export interface BenchFile {
  benchmark: string;
  description: string;
}

/** Appends a run to a bench's JSON file (the last 10 runs are kept); returns the file's path. */
export async function appendBenchRun(output: string, file: BenchFile, run: object): Promise<void> {
  let runs: object[] = [];
  try {
    runs = (JSON.parse(readFileSync(output, 'utf8')) as { runs: object[] }).runs;
  } catch {
    runs = [];
  }
  const content = { ...file, runs: [...runs, run].slice(-10) };
  mkdirSync(path.dirname(output), { recursive: true });
  const config = (await resolveConfig(output)) ?? {};
  writeFileSync(output, await format(JSON.stringify(content), { ...config, parser: 'json' }));
}

/**
 * Runs one phase of a bench on its own topics (suffix `bench-<runId>-<name>`) and databases, and
 * removes them afterwards.
 */
export async function withBenchRun<T>(
  options: BenchOptions,
  runId: string,
  name: string,
  databases: (database: string) => string[],
  work: (infra: BenchInfrastructure, suffix: string, database: string) => Promise<T>,
  log: (message: string) => void,
): Promise<T> {
  const suffix = `bench-${runId}-${name}`;
  const database = `tessera_bench_${runId}_${name}`;
  const infra = new BenchInfrastructure(options.kafkaBrokers, options.mongoUri, suffix);
  try {
    return await work(infra, suffix, database);
  } finally {
    for (const name of databases(database))
      await infra.cleanup(name).catch((error: unknown) => log(`cleanup failed: ${String(error)}`));
  }
}

export function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** Polls `check` every 50 ms; throws when it has not held within `timeoutMs`. */
export async function waitFor(
  check: () => boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Offered load: runs `tick` `ticks` times, one every `intervalMs` (a tick that overruns its
 * interval is followed at once).
 */
export async function atFixedRate(
  ticks: number,
  intervalMs: number,
  tick: (n: number) => Promise<void>,
): Promise<void> {
  for (let n = 0; n < ticks; n++) {
    const began = performance.now();
    await tick(n);
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, intervalMs - (performance.now() - began))),
    );
  }
}

/** Runs a bench's main and exits with its outcome. */
export function runBench(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
