import { AvroCodec, TOPICS } from '@tessera/contracts';
import {
  eventually,
  exitOf,
  freePort,
  startService,
  TestRun,
  waitForReady,
  type StartedService,
} from '@tessera/testing';
import { Partitioners, type Consumer } from 'kafkajs';
import { randomBytes, randomUUID } from 'node:crypto';

const ADMIN_TOKEN = 'test-admin-token-0123456789';
const WRITE_KEY_HEADER = 'tessera-write-key';

/** Personal data one run sends in every way ingestion takes it; none may reach the logs. */
function personalData() {
  const tag = randomBytes(3).toString('hex');
  return {
    email: `grace.hopper.${tag}@example.org`,
    phone: '+1 415 555 0137',
    phoneDigits: '4155550137',
    userId: `usr-logtest-${tag}`,
    anonymousId: `anon-logtest-${tag}`,
  };
}

interface LogLine {
  level: number;
  time: string;
  msg: string;
  context?: string;
  trace_id?: string;
}

/** A service under test with its stdout alone: stderr carries the start-up failure text only. */
class LoggedService {
  private stdout = '';
  readonly rejected: Buffer[] = [];
  readonly traceIds: string[] = [];
  private reader: Consumer | undefined;

  private constructor(
    readonly run: TestRun,
    readonly service: StartedService,
  ) {
    service.process.stdout?.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
  }

  static async start(name: string, logLevel: string): Promise<LoggedService> {
    const run = TestRun.create(name);
    const service = startService('ingestion', {
      ...run.serviceEnv('ingestion'),
      KAFKA_TOPIC_PARTITIONS: '1',
      LOG_LEVEL: logLevel,
      PORT: String(await freePort()),
    });
    return new LoggedService(run, service);
  }

  get url(): string {
    return this.service.url;
  }

  lines(): string[] {
    return this.stdout.split('\n').filter((line) => line.trim() !== '');
  }

  parsed(): LogLine[] {
    return this.lines().map((line) => JSON.parse(line) as LogLine);
  }

  /** Follows the run's rejected-events topic, keeping each rejection's original bytes. */
  async followRejections(): Promise<void> {
    const codec = new AvroCodec();
    this.reader = this.run.kafka.consumer({ groupId: `log-hygiene-${randomUUID()}` });
    await this.reader.connect();
    await this.reader.subscribe({
      topic: this.run.topics.resolve(TOPICS.rejectedEvents),
      fromBeginning: true,
    });
    await this.reader.run({
      eachMessage: async ({ message }) => {
        if (message.value)
          this.rejected.push(codec.decodeAs('RejectedEvent', message.value).payload);
      },
    });
  }

  /** A POST as a traced client sends it: its own trace id in a W3C traceparent header. */
  async post(path: string, body: string, authorization: string) {
    const traceId = randomBytes(16).toString('hex');
    this.traceIds.push(traceId);
    const response = await fetch(`${this.url}${path}`, {
      method: 'POST',
      headers: {
        authorization,
        'content-type': 'application/json',
        traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
      },
      body,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async stop(): Promise<void> {
    this.service.process.kill('SIGTERM');
    await exitOf(this.service.process);
    await this.reader?.disconnect();
    await this.run.cleanup();
  }
}

/**
 * Everything ingestion takes personal data through, with the data in it: an identify call, a
 * batch, a call that fails validation with a value the answer echoes, a body that is not JSON,
 * a privacy request by email, and raw Kafka records (refused without a write key, and invalid).
 */
async function sendPersonalData(logged: LoggedService, pii: ReturnType<typeof personalData>) {
  const admin = `Bearer ${ADMIN_TOKEN}`;
  const created = await logged.post('/admin/sources', JSON.stringify({ name: 'logs' }), admin);
  expect(created.status).toBe(201);
  const writeKey = created.body.writeKey as string;
  const basic = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
  const traits = { email: pii.email, phone: pii.phone, name: 'Grace Hopper' };

  const identify = await logged.post(
    '/v1/identify',
    JSON.stringify({ userId: pii.userId, anonymousId: pii.anonymousId, traits }),
    basic,
  );
  expect(identify.status).toBe(200);

  const batch = await logged.post(
    '/v1/batch',
    JSON.stringify({
      batch: [
        { type: 'track', userId: pii.userId, event: 'Signed Up', properties: traits },
        { type: 'track', anonymousId: pii.anonymousId, properties: traits },
      ],
      context: { traits },
    }),
    basic,
  );
  expect(batch.status).toBe(400);

  // The endpoint fixes the call type: the answer quotes the type given, here the email.
  const mistyped = await logged.post(
    '/v1/track',
    JSON.stringify({ type: pii.email, userId: pii.userId, event: 'Signed Up' }),
    basic,
  );
  expect(mistyped.status).toBe(400);
  expect(JSON.stringify(mistyped.body)).toContain(pii.email);

  // Node's JSON.parse quotes the text it could not read; the answer passes that on.
  const malformed = await logged.post(
    '/v1/identify',
    `${pii.email} ${pii.phone} {"traits":`,
    basic,
  );
  expect(malformed.status).toBe(400);
  expect(malformed.body.error).toBe('invalid_json');

  const privacy = await logged.post(
    '/v1/privacy/requests',
    JSON.stringify({ type: 'suppress', identifier: { type: 'email', value: pii.email } }),
    admin,
  );
  expect(privacy.status).toBe(202);

  const producer = logged.run.kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  try {
    await producer.send({
      topic: logged.run.topics.resolve(TOPICS.rawEvents),
      acks: -1,
      messages: [
        { value: JSON.stringify({ type: 'identify', userId: pii.userId, traits }) },
        {
          value: JSON.stringify({ type: 'identify', traits }),
          headers: { [WRITE_KEY_HEADER]: writeKey },
        },
      ],
    });
  } finally {
    await producer.disconnect();
  }
  // Rejected: one of the batch, the mistyped call, the malformed body, both raw records.
  await eventually(() => logged.rejected.length >= 5, 60_000, 'five rejections recorded');
}

function expectFreeOf(text: string, pii: ReturnType<typeof personalData>): void {
  const lower = text.toLowerCase();
  expect(lower).not.toContain(pii.email.toLowerCase());
  expect(lower).not.toContain(pii.email.split('@')[0]);
  expect(text.replace(/\D/g, ' ')).not.toMatch(new RegExp(`\\b1?${pii.phoneDigits}\\b`));
  expect(text).not.toContain(pii.phone);
  expect(text).not.toContain(pii.phone.slice(3));
  expect(text).not.toContain(pii.userId);
  expect(text).not.toContain(pii.anonymousId);
  expect(text).not.toContain('Grace Hopper');
}

describe('ingestion logs', () => {
  const pii = personalData();
  let atDefault: LoggedService;
  let atDebug: LoggedService;

  beforeAll(async () => {
    // LOG_LEVEL empty: the configuration's default applies.
    [atDefault, atDebug] = await Promise.all([
      LoggedService.start('logs-default', ''),
      LoggedService.start('logs-debug', 'debug'),
    ]);
    for (const logged of [atDefault, atDebug]) {
      await waitForReady(logged.service, 120_000);
      await logged.followRejections();
    }
    await Promise.all([sendPersonalData(atDefault, pii), sendPersonalData(atDebug, pii)]);
    // Stopped before the checks: the shutdown lines are checked too.
    await Promise.all([atDefault.stop(), atDebug.stop()]);
  }, 240_000);

  afterAll(async () => {
    for (const logged of [atDefault, atDebug])
      if (logged?.service.process.exitCode === null) logged.service.process.kill('SIGKILL');
  });

  it('carry no email, phone number, user id, anonymous id or trait at the default level', () => {
    expect(atDefault.lines().length).toBeGreaterThan(0);
    expectFreeOf(atDefault.lines().join('\n'), pii);
  });

  it('carry none of them at debug level either', () => {
    expect(atDebug.parsed().some((line) => line.level === 20)).toBe(true);
    expectFreeOf(atDebug.lines().join('\n'), pii);
  });

  it('write info and above by default', () => {
    const levels = new Set(atDefault.parsed().map((line) => line.level));
    expect(levels.has(30)).toBe(true);
    expect([...levels].every((level) => level >= 30)).toBe(true);
  });

  it('are JSON lines with level, time and message, on stdout', () => {
    for (const logged of [atDefault, atDebug]) {
      for (const line of logged.lines()) {
        const parsed = JSON.parse(line) as Partial<LogLine>;
        expect(typeof parsed.level).toBe('number');
        expect(typeof parsed.msg).toBe('string');
        expect(Number.isNaN(Date.parse(parsed.time ?? ''))).toBe(false);
      }
    }
  });

  it('carry the trace id of the HTTP request they were written while handling', () => {
    const collected = atDebug
      .parsed()
      .filter((line) => line.context === 'CollectEventsUseCase' && line.msg.includes('over http'));
    // identify, batch, mistyped track, malformed body
    expect(collected).toHaveLength(4);
    for (const line of collected) expect(atDebug.traceIds).toContain(line.trace_id);
    expect(new Set(collected.map((line) => line.trace_id)).size).toBe(4);
  });
});

describe('a service given a log level it does not know', () => {
  it('stops at start-up with a message naming LOG_LEVEL', async () => {
    const run = TestRun.create('logs-bad-level');
    const service = startService('ingestion', {
      ...run.serviceEnv('ingestion'),
      LOG_LEVEL: 'loud',
      PORT: String(await freePort()),
    });
    expect(await exitOf(service.process)).toBe(1);
    expect(service.output()).toContain('ingestion failed to start');
    expect(service.output()).toContain('LOG_LEVEL="loud" is not one of fatal, error, warn, info');
  }, 60_000);
});
