import { Controller, Get, Header } from '@nestjs/common';
import { Registry } from 'prom-client';
import { ServiceMetrics } from './service-metrics';

/** `GET /metrics`: the service's metrics for Prometheus; no auth, like the health endpoints. */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: ServiceMetrics) {}

  @Get()
  @Header('content-type', Registry.PROMETHEUS_CONTENT_TYPE)
  scrape(): Promise<string> {
    return this.metrics.scrape();
  }
}
