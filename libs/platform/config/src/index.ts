export { ConfigError } from './config-error';
export { EnvReader } from './env-reader';
export { readPlatformConfig } from './platform-config';
export type { PlatformConfig, PlatformDefaults } from './platform-config';
