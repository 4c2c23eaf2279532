import { ConfigError } from '@tessera/platform-config';
import { loadIdentityConfig } from './identity.config';

describe('loadIdentityConfig', () => {
  it('listens on 8081 and uses its own database by default', () => {
    const config = loadIdentityConfig({});
    expect(config.http.port).toBe(8081);
    expect(config.mongo.database).toBe('tessera_identity');
    expect(config.kafka.clientId).toBe('tessera-identity');
  });

  it('refuses to start with a bad value and names the variable', () => {
    expect(() => loadIdentityConfig({ KAFKA_TOPIC_PARTITIONS: 'many' })).toThrow(ConfigError);
    expect(() => loadIdentityConfig({ KAFKA_TOPIC_PARTITIONS: 'many' })).toThrow(
      /KAFKA_TOPIC_PARTITIONS/,
    );
  });
});
