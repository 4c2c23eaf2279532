import type { DynamicModule, ExceptionFilter, INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { CustomTransportStrategy } from '@nestjs/microservices';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { PlatformConfig } from '@tessera/platform-config';
import { RethrowRpcExceptionsFilter } from '@tessera/platform-kafka';
import { PinoNestLogger, stopTelemetry } from '@tessera/platform-telemetry';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { HttpMetrics } from './http-metrics';

export interface ServiceBootstrapOptions {
  /** The app's root module; it imports PlatformModule (store, Kafka, health, metrics). */
  module: Type<unknown> | DynamicModule;
  config: PlatformConfig;
  logger: Logger;
  /** The Kafka transport, looked up in the app's container once it is created. */
  transport?: Type<CustomTransportStrategy>;
  /** Listen on this port instead of the configured one (tests pass 0 for a free port). */
  port?: number;
  /** Install SIGTERM/SIGINT handlers that close the service gracefully and exit. */
  handleSignals?: boolean;
  /** Filters of HTTP errors; they take precedence over the platform's default handling. */
  httpFilters?: ExceptionFilter[];
  /** Takes over body parsing and error handling of the Fastify instance (Nest's parsers are off then). */
  configureHttp?: (fastify: FastifyInstance) => void;
}

export interface RunningService {
  app: INestApplication;
  url: string;
  close(): Promise<void>;
}

/**
 * Boots a Tessera service on Fastify: HTTP API, the Kafka consumer (when the service has one),
 * and graceful shutdown. On SIGTERM the consumer stops fetching, finishes and commits its
 * in-flight slice, then the producer and the store connection close.
 */
export async function bootstrapService(options: ServiceBootstrapOptions): Promise<RunningService> {
  const { logger } = options;
  const app = await NestFactory.create<NestFastifyApplication>(
    options.module,
    new FastifyAdapter({ bodyLimit: 1024 * 1024 * 8 }),
    { logger: new PinoNestLogger(logger), abortOnError: false, bodyParser: !options.configureHttp },
  );
  try {
    return await startApp(app, options);
  } catch (error) {
    // A start that failed half-way closes what it opened (store connection, producer), so the
    // caller may try again in the same process.
    await app.close().catch(() => undefined);
    throw error;
  }
}

async function startApp(
  app: NestFastifyApplication,
  options: ServiceBootstrapOptions,
): Promise<RunningService> {
  const { config, logger } = options;
  const fastify: FastifyInstance = app.getHttpAdapter().getInstance();
  app.get(HttpMetrics, { strict: false }).instrument(fastify);
  options.configureHttp?.(fastify);
  // Nest tries the last registered global filter first: the service's HTTP filters before the default.
  if (options.transport) app.useGlobalFilters(new RethrowRpcExceptionsFilter(app.getHttpAdapter()));
  app.useGlobalFilters(...(options.httpFilters ?? []));
  if (options.transport) {
    // Filters are registered on the app and inherited: connectMicroservice builds its handlers at once.
    app.connectMicroservice({ strategy: app.get(options.transport) }, { inheritAppConfig: true });
    // init first: module hooks create the topics and connect the producer before consuming starts.
    await app.init();
    await app.startAllMicroservices();
  }
  await app.listen(options.port ?? config.http.port, config.http.host);
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  logger.info({ url }, `${config.service} listening`);

  let closing: Promise<void> | undefined;
  const close = () => (closing ??= app.close());
  if (options.handleSignals) {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => void shutDown(signal, close, config.shutdownTimeoutMs, logger));
    }
  }
  return { app, url, close };
}

async function shutDown(
  signal: string,
  close: () => Promise<void>,
  timeoutMs: number,
  logger: Logger,
): Promise<void> {
  logger.info({ signal }, 'shutting down');
  const timer = setTimeout(() => {
    logger.error({ timeoutMs }, 'graceful shutdown timed out; exiting');
    process.exit(1);
  }, timeoutMs);
  timer.unref();
  try {
    await close();
    await stopTelemetry();
    logger.info('stopped');
    process.exit(0);
  } catch (error) {
    logger.error({ err: error }, 'error during shutdown');
    process.exit(1);
  }
}
