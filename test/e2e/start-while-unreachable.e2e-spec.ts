import {
  eventually,
  exitOf,
  freePort,
  startService,
  TestRun,
  waitForReady,
} from '@tessera/testing';
import { createConnection, createServer, type Server, type Socket } from 'node:net';

jest.setTimeout(180_000);

const RETRY = 'a dependency is unreachable at start-up; starting again';

/**
 * A replica started while Kafka and the store cannot be reached (a broker or store restart, a
 * node coming up first) keeps starting again until they answer, up to STARTUP_TIMEOUT_MS, instead
 * of exiting at once. The endpoints it is given are TCP relays that the test opens only later.
 */
describe('a service started while Kafka and the store are unreachable', () => {
  const run = TestRun.create('start-unreachable');
  const relays: Server[] = [];

  afterAll(async () => {
    for (const relay of relays) relay.close();
    await run.cleanup();
  });

  it('waits for them, then becomes ready', async () => {
    const [kafkaPort, storePort, port] = [await freePort(), await freePort(), await freePort()];
    const [brokerHost, brokerPort] = run.kafkaBrokers[0].split(':');
    const store = new URL(run.mongoUri);
    const service = startService('identity', {
      ...run.serviceEnv('identity'),
      PORT: String(port),
      KAFKA_BROKERS: `127.0.0.1:${kafkaPort}`,
      MONGODB_URI: `mongodb://127.0.0.1:${storePort}/?directConnection=true`,
      STARTUP_TIMEOUT_MS: '90000',
    });
    const retries = (dependency: RegExp) =>
      service
        .output()
        .split('\n')
        .filter((line) => line.includes(RETRY) && dependency.test(line)).length;
    try {
      // Long enough for a failed start (the store's server selection gives up after 5 s).
      await new Promise((resolve) => setTimeout(resolve, 8_000));
      expect(service.process.exitCode).toBeNull();
      expect(retries(/Mongo/)).toBeGreaterThan(0);
      // The store is back; Kafka is not yet: the service gets further, and waits for Kafka.
      relays.push(await relay(storePort, store.hostname, Number(store.port || 27017)));
      await eventually(() => retries(/KafkaJS/) > 0, 60_000, 'a start that failed on Kafka');
      expect(service.process.exitCode).toBeNull();
      relays.push(await relay(kafkaPort, brokerHost, Number(brokerPort)));
      const ready = await waitForReady(service, 90_000);
      expect(ready.status).toBe(200);
    } finally {
      service.process.kill('SIGKILL');
      await exitOf(service.process);
    }
  });

  it('exits, saying why, once STARTUP_TIMEOUT_MS has passed', async () => {
    const service = startService('identity', {
      ...run.serviceEnv('identity'),
      PORT: String(await freePort()),
      KAFKA_BROKERS: `127.0.0.1:${await freePort()}`,
      MONGODB_URI: `mongodb://127.0.0.1:${await freePort()}/?directConnection=true`,
      STARTUP_TIMEOUT_MS: '0',
    });
    expect(await exitOf(service.process)).toBe(1);
    expect(service.output()).toMatch(/identity failed to start: .*(Mongo|KafkaJS)\w*Error/);
  });
});

/** Relays every connection on 127.0.0.1:`port` to `host`:`target` (the real broker or store). */
async function relay(port: number, host: string, target: number): Promise<Server> {
  const server = createServer((client: Socket) => {
    const upstream = createConnection({ host, port: target });
    client.pipe(upstream).pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}
