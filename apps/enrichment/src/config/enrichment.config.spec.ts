import { ConfigError } from '@tessera/platform-config';
import { loadEnrichmentConfig } from './enrichment.config';

const required = { ADMIN_TOKEN: 'a-token-of-16-chars-or-more' };

describe('loadEnrichmentConfig', () => {
  it('listens on 8082 and uses its own database by default', () => {
    const config = loadEnrichmentConfig(required);
    expect(config.http.port).toBe(8082);
    expect(config.mongo.database).toBe('tessera_enrichment');
    expect(config.kafka.clientId).toBe('tessera-enrichment');
    expect(config.fold).toEqual({ defaultRegion: 'US', dailyRetentionDays: 90 });
    expect(config.audiences).toEqual({ refreshMs: 2_000, evaluationCheckMs: 5_000 });
  });

  it('reads the phone region from the variable the identity service reads', () => {
    expect(
      loadEnrichmentConfig({ ...required, IDENTITY_DEFAULT_REGION: 'de' }).fold.defaultRegion,
    ).toBe('DE');
  });

  it('refuses to start with a bad value and names the variable', () => {
    expect(() => loadEnrichmentConfig({ ...required, KAFKA_TOPIC_PARTITIONS: 'many' })).toThrow(
      ConfigError,
    );
    expect(() => loadEnrichmentConfig({ ...required, KAFKA_TOPIC_PARTITIONS: 'many' })).toThrow(
      /KAFKA_TOPIC_PARTITIONS/,
    );
    expect(() => loadEnrichmentConfig({ ...required, IDENTITY_DEFAULT_REGION: 'XX' })).toThrow(
      /IDENTITY_DEFAULT_REGION/,
    );
    expect(() =>
      loadEnrichmentConfig({ ...required, ENRICHMENT_DAILY_RETENTION_DAYS: '0' }),
    ).toThrow(/ENRICHMENT_DAILY_RETENTION_DAYS/);
  });

  it('refuses to start without the API token', () => {
    expect(() => loadEnrichmentConfig({})).toThrow(/ADMIN_TOKEN/);
  });
});
