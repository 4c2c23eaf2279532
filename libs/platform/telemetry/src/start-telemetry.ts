import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { readTelemetryConfig } from './telemetry.config';

export interface TelemetryOptions {
  serviceName: string;
  /** Overrides the processors chosen from OTEL_* variables (tests capture spans this way). */
  spanProcessors?: SpanProcessor[];
}

let sdk: NodeSDK | undefined;

/**
 * Starts OpenTelemetry before anything else is imported, so the HTTP instrumentation can patch
 * modules as they load. The W3C propagator is always installed: trace context passes through a
 * service even when it exports nothing.
 */
export function startTelemetry(options: TelemetryOptions): void {
  if (sdk) return;
  const config = readTelemetryConfig();
  const spanProcessors = options.spanProcessors ?? (config.tracesExported ? undefined : []);
  sdk = new NodeSDK({
    serviceName: options.serviceName,
    ...(spanProcessors ? { spanProcessors } : {}),
    ...(config.logsExported ? {} : { logRecordProcessors: [] }),
    instrumentations: [new HttpInstrumentation()],
  });
  sdk.start();
}

export async function stopTelemetry(): Promise<void> {
  const running = sdk;
  sdk = undefined;
  await running?.shutdown();
}
