import { ConfigError } from '@tessera/platform-config';
import { loadEnrichmentConfig } from './enrichment.config';

describe('loadEnrichmentConfig', () => {
  it('listens on 8082 and uses its own database by default', () => {
    const config = loadEnrichmentConfig({});
    expect(config.http.port).toBe(8082);
    expect(config.mongo.database).toBe('tessera_enrichment');
    expect(config.kafka.clientId).toBe('tessera-enrichment');
  });

  it('refuses to start with a bad value and names the variable', () => {
    expect(() => loadEnrichmentConfig({ KAFKA_TOPIC_PARTITIONS: 'many' })).toThrow(ConfigError);
    expect(() => loadEnrichmentConfig({ KAFKA_TOPIC_PARTITIONS: 'many' })).toThrow(
      /KAFKA_TOPIC_PARTITIONS/,
    );
  });
});
