import { Controller, Get, Header } from '@nestjs/common';
import { EnrichmentMetrics } from './enrichment-metrics';

@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: EnrichmentMetrics) {}

  /** Prometheus text format. */
  @Get()
  @Header('content-type', 'text/plain; version=0.0.4')
  async scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
