import { trace } from '@opentelemetry/api';
import pino, { type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import { REDACTED, REDACTED_PATHS, scrubLogLine } from './log-redaction';

/**
 * JSON logs on stdout, each line carrying the active trace and span ids. Personal data and
 * credentials are redacted at every level: sensitive fields by name, and emails, phone numbers
 * and URL credentials wherever free text carries them.
 */
export function createLogger(
  service: string,
  level: LevelWithSilent = 'info',
  destination?: DestinationStream,
): Logger {
  const options = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: [...REDACTED_PATHS], censor: REDACTED },
    hooks: { streamWrite: scrubLogLine },
    mixin() {
      const context = trace.getActiveSpan()?.spanContext();
      return context ? { trace_id: context.traceId, span_id: context.spanId } : {};
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
