import { ConfigError } from '@tessera/platform-config';
import { loadIngestionConfig } from './ingestion.config';

const secrets = {
  ADMIN_TOKEN: 'a'.repeat(32),
  WRITE_KEY_PEPPER: 'p'.repeat(32),
  PRIVACY_HASH_KEY: 'h'.repeat(32),
};

describe('loadIngestionConfig', () => {
  it('listens on 8080 with the documented limits by default', () => {
    const config = loadIngestionConfig(secrets);
    expect(config.http.port).toBe(8080);
    expect(config.mongo.database).toBe('tessera_ingestion');
    expect(config.limits).toEqual({ maxEventBytes: 32 * 1024, maxRequestBytes: 500 * 1024 });
    expect(config.dedupeWindowSeconds).toBe(86_400);
    expect(config.rateLimit.eventsPerSecond).toBe(0);
    expect(config.suppressionRefreshMs).toBe(5_000);
  });

  it('reads the suppression list refresh interval and refuses one out of range', () => {
    expect(
      loadIngestionConfig({ ...secrets, PRIVACY_SUPPRESSION_REFRESH_MS: '250' })
        .suppressionRefreshMs,
    ).toBe(250);
    expect(() => loadIngestionConfig({ ...secrets, PRIVACY_SUPPRESSION_REFRESH_MS: '0' })).toThrow(
      /PRIVACY_SUPPRESSION_REFRESH_MS="0" is not an integer >= 100/,
    );
    expect(() =>
      loadIngestionConfig({ ...secrets, PRIVACY_SUPPRESSION_REFRESH_MS: 'often' }),
    ).toThrow(/PRIVACY_SUPPRESSION_REFRESH_MS="often" is not an integer/);
  });

  it('refuses to start without its secrets, naming each', () => {
    expect(() => loadIngestionConfig({})).toThrow(ConfigError);
    expect(() => loadIngestionConfig({})).toThrow(
      /ADMIN_TOKEN is required[\s\S]*WRITE_KEY_PEPPER is required[\s\S]*PRIVACY_HASH_KEY is required/,
    );
  });

  it('refuses a bad limit and names the variable', () => {
    expect(() => loadIngestionConfig({ ...secrets, INGEST_MAX_EVENT_BYTES: 'lots' })).toThrow(
      /INGEST_MAX_EVENT_BYTES="lots" is not an integer/,
    );
  });
});
