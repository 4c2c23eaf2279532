import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface MachineInfo {
  date: string;
  nproc: number;
  cpuModel: string;
  node: string;
  memoryGiB: number;
  kernel: string;
  loadAverage: number[];
}

export function machineInfo(): MachineInfo {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  return {
    date: new Date().toISOString(),
    nproc: Number(execFileSync('nproc', { encoding: 'utf8' }).trim()),
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown',
    node: process.version,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: os.release(),
    loadAverage: os.loadavg().map((load) => Math.round(load * 100) / 100),
  };
}

/**
 * A hash of the measured source (by default apps/ingestion/src and libs/), so a figure can be
 * matched with the code it measured without asking git.
 */
export function sourceHash(root: string, dirs = ['apps/ingestion/src', 'libs']): string {
  const hash = createHash('sha256');
  const files = dirs
    .flatMap((dir) =>
      readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' }).map((file) =>
        path.join(dir, file),
      ),
    )
    .filter(
      (file) =>
        file.endsWith('.ts') && !file.endsWith('.spec.ts') && !file.includes('node_modules'),
    )
    .sort();
  for (const file of files) hash.update(file).update(readFileSync(path.join(root, file)));
  return hash.digest('hex').slice(0, 12);
}

/** The pids of Kafka and FerretDB when tools/infra started them (else they are not metered). */
export function infraPids(): Record<string, number> {
  const home = process.env.TESSERA_INFRA_HOME ?? path.join(os.homedir(), '.cache/tessera-infra');
  const pids: Record<string, number> = {};
  for (const name of ['kafka', 'ferretdb']) {
    const file = path.join(home, 'run', `${name}.pid`);
    if (!existsSync(file)) continue;
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (Number.isInteger(pid) && existsSync(`/proc/${pid}/stat`)) pids[name] = pid;
  }
  return pids;
}

interface CpuSnapshot {
  wall: number;
  processes: Record<string, number>;
  machine: { busy: number; total: number };
}

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** CPU seconds (user + system) of named processes and of the whole machine, between two marks. */
export class CpuMeter {
  private readonly start: CpuSnapshot;

  constructor(private readonly pids: Record<string, number>) {
    this.start = this.read();
  }

  /**
   * Cores used by each process since the meter started (1.0 = one core busy all the time);
   * `measuredElsewhere` are processes that metered themselves, so they do not count as others.
   */
  coresUsed(measuredElsewhere: Record<string, number> = {}): Record<string, number> {
    const end = this.read();
    const wall = end.wall - this.start.wall;
    const used: Record<string, number> = { ...measuredElsewhere };
    for (const name of Object.keys(this.pids)) {
      used[name] = round((end.processes[name] - this.start.processes[name]) / wall);
    }
    const busy = end.machine.busy - this.start.machine.busy;
    const total = end.machine.total - this.start.machine.total;
    const machine = (busy / total) * os.availableParallelism();
    const named = Object.values(used).reduce(
      (sum, cores) => sum + (Number.isNaN(cores) ? 0 : cores),
      0,
    );
    // Whatever else ran on the machine meanwhile (other users' builds and tests: the noise).
    used.others = round(Math.max(0, machine - named));
    used.machine = round(machine);
    return used;
  }

  private read(): CpuSnapshot {
    const processes: Record<string, number> = {};
    for (const [name, pid] of Object.entries(this.pids)) processes[name] = processSeconds(pid);
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1);
    const ticks = fields.map(Number);
    // idle and iowait are the idle columns of the cpu line.
    const idle = ticks[3] + ticks[4];
    const total = ticks.reduce((sum, value) => sum + value, 0);
    return { wall: performance.now() / 1000, processes, machine: { busy: total - idle, total } };
  }
}

function processSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may hold spaces: utime and stime are the 12th and 13th.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
