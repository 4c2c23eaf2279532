import { Controller, Get, Header } from '@nestjs/common';
import { IngestionMetrics } from '../collection/ingestion-metrics';

@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: IngestionMetrics) {}

  /** Prometheus text format. */
  @Get()
  @Header('content-type', 'text/plain; version=0.0.4')
  async scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
