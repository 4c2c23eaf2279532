export { createLogger } from './create-logger';
export { PinoNestLogger } from './pino-nest-logger';
export { startTelemetry, stopTelemetry } from './start-telemetry';
export type { TelemetryOptions } from './start-telemetry';
export { readTelemetryConfig } from './telemetry.config';
export type { TelemetryConfig } from './telemetry.config';
