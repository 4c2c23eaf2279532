import { Kafka, logLevel, type LogEntry, type logCreator } from 'kafkajs';
import type { Logger } from 'pino';

export interface KafkaConnectionOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
}

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** Warnings about choices made on purpose (bounded producer retries, see KafkaPublisher). */
const DELIBERATE = new Set([
  'Limiting retries for the idempotent producer may invalidate EoS guarantees',
]);

export function createKafka(options: KafkaConnectionOptions): Kafka {
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    connectionTimeout: 3_000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 100, maxRetryTime: 3_000, retries: 8 },
    logLevel: logLevel.WARN,
    logCreator: pinoLogCreator(options.logger),
  });
}

function pinoLogCreator(logger: Logger): logCreator {
  const kafkaLogger = logger.child({ component: 'kafkajs' });
  return () =>
    ({ level, log }: LogEntry) => {
      // pino adds its own time and logger name.
      const { message, timestamp: _time, logger: _name, ...rest } = log;
      if (DELIBERATE.has(message)) return;
      kafkaLogger[LEVELS[level] ?? 'info'](rest, message);
    };
}
