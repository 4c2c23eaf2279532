import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort, TestRun } from '@tessera/testing';

const ROOT = path.resolve(__dirname, '../..');
const SERVICES = ['ingestion', 'identity', 'enrichment', 'activation'] as const;

interface StartedService {
  name: string;
  process: ChildProcess;
  url: string;
  output: () => string;
}

function startService(name: string, env: Record<string, string>): StartedService {
  let output = '';
  const child = spawn(process.execPath, ['-r', '@swc-node/register', `apps/${name}/src/main.ts`], {
    cwd: ROOT,
    env: { ...process.env, SWC_NODE_PROJECT: 'tsconfig.base.json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { name, process: child, url: `http://127.0.0.1:${env.PORT}`, output: () => output };
}

async function waitForReady(service: StartedService, timeoutMs = 90_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (service.process.exitCode !== null)
      throw new Error(
        `${service.name} exited with ${service.process.exitCode}:\n${service.output()}`,
      );
    try {
      const response = await fetch(`${service.url}/health/ready`);
      if (response.status === 200) return response;
      last = `${response.status} ${await response.text()}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${service.name} not ready in ${timeoutMs} ms: ${last}\n${service.output()}`);
}

function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('the four services', () => {
  const run = TestRun.create('boot');
  const started: StartedService[] = [];

  beforeAll(async () => {
    for (const name of SERVICES) {
      started.push(
        startService(name, {
          ...run.serviceEnv(name),
          LOG_LEVEL: 'info',
          PORT: String(await freePort()),
        }),
      );
    }
  }, 30_000);

  afterAll(async () => {
    for (const service of started) service.process.kill('SIGKILL');
    await run.cleanup();
  });

  it('each become ready, connected to Kafka and to its own database', async () => {
    for (const service of started) {
      const response = await waitForReady(service);
      expect(await response.json()).toEqual({
        status: 'ready',
        checks: { kafka: 'up', mongo: 'up' },
      });
    }
  }, 180_000);

  it('each answer liveness', async () => {
    for (const service of started) {
      const response = await fetch(`${service.url}/health/live`);
      expect(response.status).toBe(200);
    }
  });

  it('each log JSON lines naming the service', () => {
    for (const service of started) {
      const firstLine = service
        .output()
        .split('\n')
        .find((line) => line.startsWith('{'));
      expect(firstLine).toBeDefined();
      expect(JSON.parse(firstLine!)).toMatchObject({ service: service.name });
    }
  });

  it('each stop gracefully on SIGTERM with exit code 0', async () => {
    for (const service of started) {
      service.process.kill('SIGTERM');
      expect(await exitOf(service.process)).toBe(0);
      expect(service.output()).toContain('"msg":"stopped"');
    }
  }, 120_000);
});

describe('a service with a bad configuration value', () => {
  it('stops at start-up with a message that names the variable', async () => {
    const service = startService('identity', { PORT: 'not-a-port', KAFKA_BROKERS: 'nohost' });
    expect(await exitOf(service.process)).toBe(1);
    expect(service.output()).toContain('identity failed to start');
    expect(service.output()).toContain('PORT="not-a-port" is not an integer');
    expect(service.output()).toContain('KAFKA_BROKERS="nohost"');
  }, 60_000);
});
