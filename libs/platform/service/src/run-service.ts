import type { DynamicModule, ExceptionFilter, Type } from '@nestjs/common';
import type { CustomTransportStrategy } from '@nestjs/microservices';
import type { PlatformConfig } from '@tessera/platform-config';
import { createLogger } from '@tessera/platform-telemetry';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { bootstrapService } from './bootstrap-service';
import { exitOnStartupError } from './exit-on-startup-error';
import { retryWhileUnreachable } from './retry-while-unreachable';

export interface ServiceDefinition<C extends PlatformConfig> {
  name: string;
  loadConfig: () => Readonly<C>;
  module: (config: Readonly<C>, logger: Logger) => DynamicModule;
  transport?: Type<CustomTransportStrategy>;
  configureHttp?: (fastify: FastifyInstance, config: Readonly<C>) => void;
  httpFilters?: ExceptionFilter[];
}

/**
 * A service's `main`: validated config, JSON logs, the Nest app, signal handling. While Kafka or the
 * store is unreachable the start is tried again (up to STARTUP_TIMEOUT_MS); exits 1 on a failed start.
 */
export function runService<C extends PlatformConfig>(definition: ServiceDefinition<C>): void {
  const start = async () => {
    const config = definition.loadConfig();
    const logger = createLogger(config.service, config.logLevel);
    // Started during a broker or store restart, a replica waits for it rather than exit at once.
    await retryWhileUnreachable(
      () =>
        bootstrapService({
          module: definition.module(config, logger),
          config,
          logger,
          transport: definition.transport,
          httpFilters: definition.httpFilters,
          configureHttp:
            definition.configureHttp && ((fastify) => definition.configureHttp!(fastify, config)),
          handleSignals: true,
        }),
      { timeoutMs: config.startupTimeoutMs, logger },
    );
  };
  start().catch(exitOnStartupError(definition.name));
}
