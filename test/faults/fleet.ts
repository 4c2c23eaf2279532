import type { SeededRandom } from '@tessera/faults';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import {
  exitOf,
  freePort,
  startService,
  waitForReady,
  type StartedService,
} from '@tessera/testing';

export const SERVICES = ['ingestion', 'identity', 'enrichment', 'activation'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** One replica: a service process on its own port, restarted in place after each kill. */
export interface Replica {
  name: string;
  service: ServiceName;
  env: Record<string, string>;
  current: StartedService;
  ready: boolean;
  /** Milliseconds from each SIGKILL to the new process answering ready. */
  recoveries: number[];
}

/**
 * Two (or more) replicas of each service, as a cluster runs them: same database, same topics,
 * same consumer groups. `killOne` SIGKILLs a random ready replica and starts it again at once.
 */
export class Fleet {
  readonly replicas: Replica[] = [];
  private readonly restarts = new Set<Promise<void>>();
  private readonly failures: string[] = [];
  private readonly crashes: string[] = [];
  /** Processes the suite is killing: their exit is no crash. */
  private readonly killing = new Set<StartedService>();
  private stopping = false;

  private launches = 0;

  /** `logDir`: each process's output goes to `<replica>-<n>.log` there, for a post-mortem. */
  constructor(
    private readonly envOf: (service: ServiceName) => Record<string, string>,
    private readonly logDir: string,
    private readonly perService = 2,
  ) {
    mkdirSync(logDir, { recursive: true });
  }

  /** The first replica of each service first (they create the topics), then the others. */
  async start(): Promise<void> {
    for (let index = 0; index < this.perService; index++) {
      const started: Replica[] = [];
      for (const service of SERVICES) {
        const env = { ...this.envOf(service), PORT: String(await freePort()) };
        const replica: Replica = {
          name: `${service}-${index}`,
          service,
          env,
          current: undefined as unknown as StartedService,
          ready: false,
          recoveries: [],
        };
        this.launch(replica);
        this.replicas.push(replica);
        started.push(replica);
      }
      for (const replica of started) {
        await waitForReady(replica.current, 180_000);
        replica.ready = true;
      }
    }
  }

  urls(service: ServiceName): string[] {
    return this.replicas.filter((r) => r.service === service).map((r) => r.current.url);
  }

  /** SIGKILLs one ready replica chosen by `random` and restarts it; resolves once it is killed. */
  async killOne(random: SeededRandom): Promise<Replica | undefined> {
    const candidates = this.replicas.filter((replica) => replica.ready);
    if (candidates.length === 0) return undefined;
    const replica = random.pick(candidates);
    replica.ready = false;
    const killedAt = Date.now();
    this.killing.add(replica.current);
    replica.current.process.kill('SIGKILL');
    await exitOf(replica.current.process);
    this.launch(replica);
    this.watchRestart(replica, killedAt);
    return replica;
  }

  /**
   * Starts the replica's process. One that exits without the suite killing it has crashed: that
   * is recorded with its last output, and it is started again, as Kubernetes would.
   */
  private launch(replica: Replica): void {
    const current = startService(replica.service, replica.env);
    const log = createWriteStream(path.join(this.logDir, `${replica.name}-${++this.launches}.log`));
    current.process.stdout?.pipe(log);
    current.process.stderr?.pipe(log);
    replica.current = current;
    current.process.once('exit', (code, signal) => {
      if (this.killing.delete(current) || this.stopping) return;
      const crash = `${replica.name} exited by itself (${signal ?? code}):\n${current.output().slice(-3_000)}`;
      this.crashes.push(crash);
      process.stderr.write(`\n${crash}\n`);
      replica.ready = false;
      this.launch(replica);
      this.watchRestart(replica, Date.now());
    });
  }

  private watchRestart(replica: Replica, since: number): void {
    const starting = replica.current;
    const restart = waitForReady(starting, 180_000)
      .then(() => {
        replica.ready = true;
        replica.recoveries.push(Date.now() - since);
      })
      .catch((error: unknown) => {
        // A process that crashed while starting has been started again (watched in its turn).
        if (replica.current !== starting) return;
        this.failures.push(`${replica.name} did not come back: ${(error as Error).message}`);
      })
      .finally(() => this.restarts.delete(restart));
    this.restarts.add(restart);
  }

  /** Waits for every restart in progress; throws when a replica did not come back. */
  async settled(): Promise<void> {
    while (this.restarts.size > 0) await Promise.all([...this.restarts]);
    if (this.failures.length > 0) throw new Error(this.failures.join('\n'));
  }

  /** Replicas that died by themselves (not killed by the suite), with their last output. */
  crashed(): string[] {
    return [...this.crashes];
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.restarts]);
    for (const replica of this.replicas) replica.current.process.kill('SIGKILL');
    await Promise.all(this.replicas.map((replica) => exitOf(replica.current.process)));
  }
}
