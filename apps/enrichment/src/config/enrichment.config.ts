import { EnvReader, readPlatformConfig, type PlatformConfig } from '@tessera/platform-config';

export type EnrichmentConfig = PlatformConfig;

/** The only place the enrichment service reads its environment. */
export function loadEnrichmentConfig(
  env: NodeJS.ProcessEnv = process.env,
): Readonly<EnrichmentConfig> {
  const reader = new EnvReader(env);
  return reader.done(
    readPlatformConfig(reader, {
      service: 'enrichment',
      port: 8082,
      database: 'tessera_enrichment',
    }),
  );
}
