import { EnvReader, readPlatformConfig, type PlatformConfig } from '@tessera/platform-config';

export type IngestionConfig = PlatformConfig;

/** The only place the ingestion service reads its environment. */
export function loadIngestionConfig(
  env: NodeJS.ProcessEnv = process.env,
): Readonly<IngestionConfig> {
  const reader = new EnvReader(env);
  return reader.done(
    readPlatformConfig(reader, { service: 'ingestion', port: 8080, database: 'tessera_ingestion' }),
  );
}
