import { Inject, Injectable } from '@nestjs/common';
import { ServiceMetrics } from '@tessera/platform-metrics';
import { READINESS_PROBES, runProbe, type ReadinessProbe } from './readiness-probe';

/** Readiness as a metric, checked at every scrape, so an alert needs no probe of its own. */
@Injectable()
export class ReadinessMetrics {
  constructor(@Inject(READINESS_PROBES) probes: ReadinessProbe[], metrics: ServiceMetrics) {
    metrics.gauge({
      name: 'tessera_dependency_up',
      help: 'Whether a dependency passed the readiness check when scraped (1) or not (0): kafka (the cluster answers and, for a consuming service, the consumer is in its group), mongo (the store answers a ping); /health/ready answers 503 while any is 0',
      labelNames: ['dependency'],
      async collect() {
        for (const result of await Promise.all(probes.map(runProbe)))
          this.set({ dependency: result.name }, result.status === 'up' ? 1 : 0);
      },
    });
  }
}
