import { ConfigError } from '@tessera/platform-config';
import { loadActivationConfig } from './activation.config';

describe('loadActivationConfig', () => {
  it('listens on 8083 and uses its own database by default', () => {
    const config = loadActivationConfig({});
    expect(config.http.port).toBe(8083);
    expect(config.mongo.database).toBe('tessera_activation');
    expect(config.kafka.clientId).toBe('tessera-activation');
  });

  it('refuses to start with a bad value and names the variable', () => {
    expect(() => loadActivationConfig({ KAFKA_TOPIC_PARTITIONS: 'many' })).toThrow(ConfigError);
    expect(() => loadActivationConfig({ KAFKA_TOPIC_PARTITIONS: 'many' })).toThrow(
      /KAFKA_TOPIC_PARTITIONS/,
    );
  });
});
