import { ConfigError } from '@tessera/platform-config';
import { loadIdentityConfig } from './identity.config';

const BASE = {
  ADMIN_TOKEN: 'test-admin-token-0123456789',
  PRIVACY_HASH_KEY: 'test-privacy-hash-key-0123456789',
};

describe('loadIdentityConfig', () => {
  it('listens on 8081 and uses its own database by default', () => {
    const config = loadIdentityConfig(BASE);
    expect(config.http.port).toBe(8081);
    expect(config.mongo.database).toBe('tessera_identity');
    expect(config.kafka.clientId).toBe('tessera-identity');
  });

  it('needs an admin token for its API', () => {
    expect(() => loadIdentityConfig({})).toThrow(/ADMIN_TOKEN/);
  });

  it('refuses to start with a bad value and names the variable', () => {
    expect(() => loadIdentityConfig({ ...BASE, KAFKA_TOPIC_PARTITIONS: 'many' })).toThrow(
      ConfigError,
    );
    expect(() => loadIdentityConfig({ ...BASE, KAFKA_TOPIC_PARTITIONS: 'many' })).toThrow(
      /KAFKA_TOPIC_PARTITIONS/,
    );
  });
});

describe('loadIdentityConfig: identity rules', () => {
  it('defaults to the rules of the issue: one user_id, five of others, user_id > email > phone', () => {
    const { rules, lockLeaseMs } = loadIdentityConfig(BASE);
    expect(rules.limits).toEqual({ user_id: 1 });
    expect(rules.defaultLimit).toBe(5);
    expect(rules.priority).toEqual(['user_id', 'email', 'phone']);
    expect(rules.defaultRegion).toBe('US');
    expect(lockLeaseMs).toBe(10_000);
    expect(loadIdentityConfig(BASE).kafka.partitionsConcurrency).toBe(4);
  });

  it('reads every rule from its variable', () => {
    const { rules } = loadIdentityConfig({
      ...BASE,
      IDENTITY_DEFAULT_REGION: 'de',
      IDENTITY_BLOCKED_PATTERNS: '["^test-", "@example\\\\.com$"]',
      IDENTITY_EXTERNAL_ID_TRAITS: 'crm_id, zendesk_id',
      IDENTITY_LIMITS: 'email=2, device_id=3',
      IDENTITY_DEFAULT_LIMIT: '4',
      IDENTITY_LIMIT_WINDOW_SECONDS: '86400',
      IDENTITY_PRIORITY: 'user_id,crm_id,email',
    });
    expect(rules).toMatchObject({
      defaultRegion: 'DE',
      externalIdTraits: ['crm_id', 'zendesk_id'],
      limits: { user_id: 1, email: 2, device_id: 3 },
      defaultLimit: 4,
      limitWindowMs: 86_400_000,
      priority: ['user_id', 'crm_id', 'email'],
    });
    expect(rules.blockedPatterns.map((pattern) => pattern.source)).toEqual([
      '^test-',
      '@example\\.com$',
    ]);
  });

  it.each([
    ['IDENTITY_DEFAULT_REGION', 'XX'],
    ['IDENTITY_BLOCKED_PATTERNS', '["("]'],
    ['IDENTITY_BLOCKED_PATTERNS', '^test-'],
    ['IDENTITY_LIMITS', 'email'],
    ['IDENTITY_LIMITS', 'email=0'],
    ['IDENTITY_PRIORITY', 'email,email'],
    ['IDENTITY_EXTERNAL_ID_TRAITS', 'CRM Id'],
    ['IDENTITY_LOCK_LEASE_MS', '5'],
  ])('stops at start-up when %s is %j, naming it', (name, value) => {
    expect(() => loadIdentityConfig({ ...BASE, [name]: value })).toThrow(ConfigError);
    expect(() => loadIdentityConfig({ ...BASE, [name]: value })).toThrow(new RegExp(name));
  });
});
