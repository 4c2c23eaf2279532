import { startTelemetry } from '@tessera/platform-telemetry';

startTelemetry({ serviceName: 'tessera-enrichment' });
