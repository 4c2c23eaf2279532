/** The one place telemetry reads the environment: the standard OTEL_* variables. */
export interface TelemetryConfig {
  tracesExported: boolean;
  logsExported: boolean;
}

export function readTelemetryConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
): TelemetryConfig {
  const exporter = (name: string) => (env[name] ?? '').trim().toLowerCase();
  const endpointSet = Boolean(
    env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim(),
  );
  const traces = exporter('OTEL_TRACES_EXPORTER');
  const logs = exporter('OTEL_LOGS_EXPORTER');
  return {
    // Off by default: exporting starts only when an exporter or an OTLP endpoint is named.
    tracesExported: traces !== '' ? traces !== 'none' : endpointSet,
    logsExported: logs !== '' && logs !== 'none',
  };
}
