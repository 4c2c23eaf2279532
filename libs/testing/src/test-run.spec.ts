import { TestRun } from './test-run';

describe('TestRun', () => {
  const saved = { ...process.env };
  beforeEach(() => {
    process.env.KAFKA_BROKERS = '127.0.0.1:9092';
    process.env.MONGODB_URI = 'mongodb://127.0.0.1:27017/';
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  it('gives each run its own id, topics and databases', () => {
    const first = TestRun.create('Identity Graph');
    const second = TestRun.create('Identity Graph');
    expect(first.id).not.toBe(second.id);
    expect(first.id).toMatch(/^identitygraph-[0-9a-f]{8}$/);
    expect(first.topics.resolve('tessera.events.accepted.v1')).toBe(
      `tessera.events.accepted.v1.${first.id}`,
    );
    expect(first.database('tessera_identity')).toBe(
      `tessera_identity_${first.id.replace(/-/g, '_')}`,
    );
  });

  it('points a service under test at the run topics and database', () => {
    const run = TestRun.create('svc');
    expect(run.serviceEnv('identity')).toMatchObject({
      KAFKA_BROKERS: '127.0.0.1:9092',
      MONGODB_URI: 'mongodb://127.0.0.1:27017/',
      TESSERA_TOPIC_SUFFIX: run.id,
      MONGODB_DATABASE: run.database('tessera_identity'),
    });
  });

  it('refuses to run outside the integration harness', () => {
    delete process.env.KAFKA_BROKERS;
    expect(() => TestRun.create('x')).toThrow(/KAFKA_BROKERS/);
  });
});
