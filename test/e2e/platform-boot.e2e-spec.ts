import {
  exitOf,
  freePort,
  startService,
  TestRun,
  waitForReady,
  type StartedService,
} from '@tessera/testing';

const SERVICES = ['ingestion', 'identity', 'enrichment', 'activation'] as const;

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
