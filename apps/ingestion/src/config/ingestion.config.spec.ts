import { ConfigError } from '@tessera/platform-config';
import { loadIngestionConfig } from './ingestion.config';

describe('loadIngestionConfig', () => {
  it('listens on 8080 and uses its own database by default', () => {
    const config = loadIngestionConfig({});
    expect(config.http.port).toBe(8080);
    expect(config.mongo.database).toBe('tessera_ingestion');
    expect(config.kafka.clientId).toBe('tessera-ingestion');
  });

  it('refuses to start with a bad value and names the variable', () => {
    expect(() => loadIngestionConfig({ KAFKA_TOPIC_PARTITIONS: 'many' })).toThrow(ConfigError);
    expect(() => loadIngestionConfig({ KAFKA_TOPIC_PARTITIONS: 'many' })).toThrow(
      /KAFKA_TOPIC_PARTITIONS/,
    );
  });
});
