import { EnvReader, readPlatformConfig, type PlatformConfig } from '@tessera/platform-config';

export type ActivationConfig = PlatformConfig;

/** The only place the activation service reads its environment. */
export function loadActivationConfig(
  env: NodeJS.ProcessEnv = process.env,
): Readonly<ActivationConfig> {
  const reader = new EnvReader(env);
  return reader.done(
    readPlatformConfig(reader, {
      service: 'activation',
      port: 8083,
      database: 'tessera_activation',
    }),
  );
}
