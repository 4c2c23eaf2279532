import { readTelemetryConfig } from './telemetry.config';

describe('readTelemetryConfig', () => {
  it('exports nothing when no OTEL variable is set', () => {
    expect(readTelemetryConfig({})).toEqual({ tracesExported: false, logsExported: false });
  });

  it('exports traces when an OTLP endpoint is given', () => {
    const config = readTelemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' });
    expect(config.tracesExported).toBe(true);
  });

  it('lets OTEL_TRACES_EXPORTER=none win over an endpoint', () => {
    const config = readTelemetryConfig({
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
    });
    expect(config.tracesExported).toBe(false);
  });

  it('exports logs only when OTEL_LOGS_EXPORTER names an exporter', () => {
    expect(readTelemetryConfig({ OTEL_LOGS_EXPORTER: 'otlp' }).logsExported).toBe(true);
  });
});
