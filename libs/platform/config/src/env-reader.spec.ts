import { ConfigError } from './config-error';
import { EnvReader } from './env-reader';
import { readPlatformConfig } from './platform-config';

const defaults = { service: 'identity', port: 8081, database: 'tessera_identity' };

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('EnvReader', () => {
  it('uses the documented defaults when nothing is set', () => {
    const reader = new EnvReader({});
    const config = reader.done(readPlatformConfig(reader, defaults));
    expect(config.http.port).toBe(8081);
    expect(config.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(config.mongo).toEqual({
      uri: 'mongodb://127.0.0.1:27017/',
      database: 'tessera_identity',
    });
    expect(config.kafka.maxAttempts).toBe(3);
  });

  it('parses set values into typed settings', () => {
    const reader = new EnvReader({
      PORT: '9000',
      KAFKA_BROKERS: 'a:9092, b:9093',
      MONGODB_URI: 'mongodb://db:27017/',
      LOG_LEVEL: 'debug',
    });
    const config = reader.done(readPlatformConfig(reader, defaults));
    expect(config.http.port).toBe(9000);
    expect(config.kafka.brokers).toEqual(['a:9092', 'b:9093']);
    expect(config.logLevel).toBe('debug');
  });

  it('names every invalid variable in one error', () => {
    const reader = new EnvReader({ PORT: 'eighty', KAFKA_BROKERS: 'nohost', LOG_LEVEL: 'loud' });
    const error = configError(() => reader.done(readPlatformConfig(reader, defaults)));
    expect(error.problems).toHaveLength(3);
    expect(error.message).toContain('PORT="eighty" is not an integer');
    expect(error.message).toContain('KAFKA_BROKERS="nohost"');
    expect(error.message).toContain('LOG_LEVEL="loud" is not one of');
  });

  it('rejects a port outside 1..65535', () => {
    const reader = new EnvReader({ PORT: '70000' });
    expect(() => reader.done(readPlatformConfig(reader, defaults))).toThrow(/PORT="70000"/);
  });

  it('reports a required variable that is missing', () => {
    const reader = new EnvReader({});
    reader.string('ADMIN_TOKEN');
    expect(() => reader.done({})).toThrow('ADMIN_TOKEN is required but not set');
  });

  it('hides credentials of a bad URI in the message', () => {
    const reader = new EnvReader({ MONGODB_URI: 'postgres://user:hunter2@db/' });
    const error = configError(() => reader.done(readPlatformConfig(reader, defaults)));
    expect(error.message).toContain('MONGODB_URI');
    expect(error.message).not.toContain('hunter2');
  });

  it('refuses a short secret without printing it', () => {
    const reader = new EnvReader({ ADMIN_TOKEN: 'short' });
    reader.secret('ADMIN_TOKEN', { minLength: 16 });
    const error = configError(() => reader.done({}));
    expect(error.message).toContain('ADMIN_TOKEN must be at least 16 characters long');
    expect(error.message).not.toContain('short"');
  });

  it('returns a frozen configuration', () => {
    const reader = new EnvReader({});
    const config = reader.done(readPlatformConfig(reader, defaults));
    expect(Object.isFrozen(config.kafka)).toBe(true);
    expect(Object.isFrozen(config.kafka.brokers)).toBe(true);
  });
});

describe('EnvReader lists and problems found by the caller', () => {
  it('reads a comma-separated list, trimmed, without empty entries', () => {
    const reader = new EnvReader({ TRAITS: ' crm_id, ,zendesk_id ' });
    expect(reader.list('TRAITS')).toEqual(['crm_id', 'zendesk_id']);
    expect(reader.list('UNSET', { default: ['x'] })).toEqual(['x']);
  });

  it('reports a problem the caller found together with its own', () => {
    const reader = new EnvReader({ LIMITS: 'email=0', PORT: 'x' });
    reader.integer('PORT');
    reader.problem('LIMITS', 'email: 0 is not a whole number of at least 1');
    const error = configError(() => reader.done({}));
    expect(error.message).toContain('PORT="x" is not an integer');
    expect(error.message).toContain('LIMITS email: 0 is not a whole number of at least 1');
  });
});
