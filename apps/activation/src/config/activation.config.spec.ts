import { ConfigError } from '@tessera/platform-config';
import { loadActivationConfig } from './activation.config';

const REQUIRED = { ADMIN_TOKEN: 'admin-token-0123456789' };

describe('loadActivationConfig', () => {
  it('listens on 8083, uses its own database and the Standard Webhooks schedule by default', () => {
    const config = loadActivationConfig(REQUIRED);
    expect(config.http.port).toBe(8083);
    expect(config.mongo.database).toBe('tessera_activation');
    expect(config.kafka.clientId).toBe('tessera-activation');
    expect(config.webhooks.retrySchedule).toEqual([
      0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
    ]);
    expect(config.webhooks.timeoutMs).toBe(15_000);
    expect(config.webhooks.maxRedirects).toBe(0);
    expect(config.webhooks.allowlist).toEqual([]);
  });

  it('refuses to start with a bad value and names the variable', () => {
    expect(() => loadActivationConfig({ ...REQUIRED, KAFKA_TOPIC_PARTITIONS: 'many' })).toThrow(
      ConfigError,
    );
    expect(() => loadActivationConfig({ ...REQUIRED, KAFKA_TOPIC_PARTITIONS: 'many' })).toThrow(
      /KAFKA_TOPIC_PARTITIONS/,
    );
  });

  it('refuses a delivery lease shorter than an attempt can take', () => {
    expect(() =>
      loadActivationConfig({
        ...REQUIRED,
        WEBHOOK_TIMEOUT_MS: '20000',
        DELIVERY_LEASE_MS: '10000',
      }),
    ).toThrow(/DELIVERY_LEASE_MS must be at least WEBHOOK_TIMEOUT_MS \+ 5000 \(25000\)/);
  });

  it('refuses to start without an admin token', () => {
    expect(() => loadActivationConfig({})).toThrow(/ADMIN_TOKEN/);
  });

  it('refuses a retry schedule or an allowlist it cannot read, naming the variable', () => {
    expect(() =>
      loadActivationConfig({ ...REQUIRED, WEBHOOK_RETRY_SCHEDULE: '5 parsecs' }),
    ).toThrow(/WEBHOOK_RETRY_SCHEDULE is not usable/);
    expect(() => loadActivationConfig({ ...REQUIRED, WEBHOOK_ALLOWLIST: '10.0.0.0/99' })).toThrow(
      /WEBHOOK_ALLOWLIST is not usable/,
    );
  });
});
