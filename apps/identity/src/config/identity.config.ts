import { EnvReader, readPlatformConfig, type PlatformConfig } from '@tessera/platform-config';

export type IdentityConfig = PlatformConfig;

/** The only place the identity service reads its environment. */
export function loadIdentityConfig(env: NodeJS.ProcessEnv = process.env): Readonly<IdentityConfig> {
  const reader = new EnvReader(env);
  return reader.done(
    readPlatformConfig(reader, { service: 'identity', port: 8081, database: 'tessera_identity' }),
  );
}
