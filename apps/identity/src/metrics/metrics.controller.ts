import { Controller, Get, Header } from '@nestjs/common';
import { IdentityMetrics } from './identity-metrics';

@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: IdentityMetrics) {}

  /** Prometheus text format. */
  @Get()
  @Header('content-type', 'text/plain; version=0.0.4')
  async scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
