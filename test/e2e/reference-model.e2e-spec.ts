import { AvroCodec, TOPICS, type ProfileSnapshot } from '@tessera/contracts';
import {
  differences,
  FAULT_AUDIENCES,
  observedProfiles,
  referenceProfiles,
  scriptedStream,
  type ScriptedCall,
} from '@tessera/faults';
import {
  eventually,
  freePort,
  startService,
  TestRun,
  waitForReady,
  type StartedService,
} from '@tessera/testing';
import { randomUUID } from 'node:crypto';

jest.setTimeout(600_000);

const SERVICES = ['ingestion', 'identity', 'enrichment', 'activation'] as const;
/** Calls of the scripted stream: merges of every kind, orders, anonymous customers. */
const CALLS = 3_000;
const BATCH = 100;

/**
 * The fault suite's baseline, without faults: the pipeline's profiles, read from the public
 * profiles topic, equal what the sequential reference model computes from the same calls —
 * identifiers, event and call counts, order counts and revenue to the cent, audiences.
 */
describe('the pipeline agrees with the sequential reference model on a seeded stream', () => {
  const run = TestRun.create('reference-e2e');
  const services = new Map<string, StartedService>();
  const token = run.serviceEnv('enrichment').ADMIN_TOKEN;
  const codec = new AvroCodec();
  const latest = new Map<string, ProfileSnapshot | null>();
  const reader = run.kafka.consumer({ groupId: `reader-${randomUUID()}` });
  const calls = scriptedStream({ seed: 20_261_203, events: CALLS, tag: run.id, now: Date.now() });
  const acknowledged: ScriptedCall[] = [];

  const post = (service: string, path: string, body: unknown, auth: string) =>
    fetch(`${services.get(service)!.url}${path}`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    for (const name of SERVICES)
      services.set(
        name,
        startService(name, { ...run.serviceEnv(name), PORT: String(await freePort()) }),
      );
    for (const service of services.values()) await waitForReady(service);
    await reader.connect();
    await reader.subscribe({ topic: run.topics.resolve(TOPICS.profiles), fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        if (!message.key) return;
        const { profileId } = codec.decodeAs('ProfileKey', message.key);
        latest.set(profileId, message.value && codec.decodeAs('ProfileSnapshot', message.value));
      },
    });
    for (const audience of FAULT_AUDIENCES) {
      const created = await post(
        'enrichment',
        '/v1/audiences',
        { id: audience.id, name: audience.id, condition: audience.condition },
        `Bearer ${token}`,
      );
      expect(created.status).toBe(201);
    }
    const source = await post('ingestion', '/admin/sources', { name: 'faults' }, `Bearer ${token}`);
    const { writeKey } = (await source.json()) as { writeKey: string };
    const basic = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
    // Four clients at once; a batch counts only once it is answered 200, as a client sees it.
    const batches = Array.from({ length: Math.ceil(calls.length / BATCH) }, (_, index) =>
      calls.slice(index * BATCH, (index + 1) * BATCH),
    );
    const client = async () => {
      for (let batch = batches.shift(); batch; batch = batches.shift()) {
        const answer = await post('ingestion', '/v1/batch', { batch }, basic);
        expect(answer.status).toBe(200);
        const { rejected } = (await answer.json()) as { rejected?: unknown[] };
        expect(rejected ?? []).toEqual([]);
        acknowledged.push(...batch);
      }
    };
    await Promise.all([client(), client(), client(), client()]);
  });

  afterAll(async () => {
    await reader.disconnect();
    for (const service of services.values()) service.process.kill('SIGKILL');
    await run.cleanup();
  });

  it('ends with exactly the reference profiles on the profiles topic', async () => {
    const expected = referenceProfiles(acknowledged);
    expect(acknowledged).toHaveLength(calls.length);
    let last: string[] = [];
    try {
      await eventually(
        () => {
          last = differences(expected, observedProfiles(latest));
          return last.length === 0;
        },
        300_000,
        'the profiles topic equal to the reference',
      );
    } finally {
      // On a failure, say how: the first differences, and how many there are.
      expect({ count: last.length, first: last.slice(0, 20) }).toEqual({ count: 0, first: [] });
    }
    expect(expected.length).toBeGreaterThan(200);
  });
});
