import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** One privacy hash key for every service a bench starts (ingestion and identity must agree). */
const privacyHashKey = `bench-privacy-${randomBytes(12).toString('hex')}`;
import path from 'node:path';

export interface ServiceProcessOptions {
  /** Which app to start (apps/<service>/src/main.ts). */
  service: 'ingestion' | 'identity' | 'enrichment' | 'activation';
  root: string;
  kafkaBrokers: string[];
  mongoUri: string;
  topicSuffix: string;
  database: string;
  partitions: number;
  /** Where the service's log (and CPU profile, when asked for) go. */
  workDir: string;
  cpuProfile: boolean;
  /** Modules required before the service's main (diagnostics). */
  preload?: string[];
  /** More environment for the service. */
  env?: Record<string, string>;
}

const READY_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 40_000;

/** One service started from source in its own process, as `npm start` runs it. */
export class ServiceProcess {
  private readonly exited: Promise<number | null>;

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    readonly logFile: string,
    readonly adminToken: string,
    private readonly service: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`the ${this.service} process has no pid`);
    return this.child.pid;
  }

  static async start(options: ServiceProcessOptions): Promise<ServiceProcess> {
    mkdirSync(options.workDir, { recursive: true });
    const port = await freePort();
    const logFile = path.join(options.workDir, `${options.service}-${port}.log`);
    const log = createWriteStream(logFile);
    const profiling = options.cpuProfile ? ['--cpu-prof', `--cpu-prof-dir=${options.workDir}`] : [];
    const token = `bench-admin-${randomBytes(12).toString('hex')}`;
    const child = spawn(
      process.execPath,
      [
        ...profiling,
        '-r',
        '@swc-node/register',
        ...(options.preload ?? []).flatMap((module) => ['-r', module]),
        `apps/${options.service}/src/main.ts`,
      ],
      {
        cwd: options.root,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          SWC_NODE_PROJECT: 'tsconfig.base.json',
          HTTP_HOST: '127.0.0.1',
          PORT: String(port),
          ADMIN_TOKEN: token,
          WRITE_KEY_PEPPER: `bench-pepper-${randomBytes(12).toString('hex')}`,
          PRIVACY_HASH_KEY: privacyHashKey,
          KAFKA_BROKERS: options.kafkaBrokers.join(','),
          MONGODB_URI: options.mongoUri,
          MONGODB_DATABASE: options.database,
          TESSERA_TOPIC_SUFFIX: options.topicSuffix,
          KAFKA_TOPIC_PARTITIONS: String(options.partitions),
          LOG_LEVEL: 'warn',
          ...options.env,
        },
      },
    );
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    const service = new ServiceProcess(
      child,
      `http://127.0.0.1:${port}`,
      logFile,
      token,
      options.service,
    );
    await service.waitUntilReady();
    return service;
  }

  /** Creates a source through the ingestion admin API; returns its write key. */
  async createSource(name: string): Promise<string> {
    const response = await fetch(`${this.url}/admin/sources`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name }),
    });
    const body = (await response.json()) as { writeKey?: string };
    if (response.status !== 201 || !body.writeKey) {
      throw new Error(`source not created: ${response.status} ${JSON.stringify(body)}`);
    }
    return body.writeKey;
  }

  /** Creates a subscription through the activation API (`POST /v1/subscriptions`). */
  async createSubscription(body: object): Promise<void> {
    const response = await fetch(`${this.url}/v1/subscriptions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (response.status !== 201)
      throw new Error(`subscription not created: ${response.status} ${await response.text()}`);
  }

  /** Resident set size now, and its peak, in MiB (from /proc/<pid>/status). */
  memory(): { rssMiB: number; peakRssMiB: number } {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kib = (field: string) =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
    return { rssMiB: round(kib('VmRSS') / 1024), peakRssMiB: round(kib('VmHWM') / 1024) };
  }

  /** SIGTERM, then waits for the graceful shutdown (SIGKILL after 40 s). */
  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.exited;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  private async waitUntilReady(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let last = 'no answer';
    let gone = false;
    void this.exited.then(() => (gone = true));
    while (Date.now() < deadline) {
      if (gone)
        throw new Error(`the ${this.service} service exited during start-up; see ${this.logFile}`);
      try {
        const response = await fetch(`${this.url}/health/ready`, {
          signal: AbortSignal.timeout(5_000),
        });
        if (response.status === 200) return;
        last = `${response.status} ${await response.text()}`;
      } catch (error) {
        last = String(error);
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await this.stop();
    throw new Error(
      `the ${this.service} service was not ready within 180 s (${last}); see ${this.logFile}`,
    );
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
