import { Injectable } from '@nestjs/common';
import { ServiceMetrics } from '@tessera/platform-metrics';
import type { Counter } from 'prom-client';

/** Counters of what the enrichment service did, on the service's `/metrics`. */
@Injectable()
export class EnrichmentMetrics {
  private readonly dropped: Counter<'input'>;
  private readonly redeleted: Counter;
  private readonly requests: Counter<'type' | 'status'>;

  constructor(metrics: ServiceMetrics) {
    this.dropped = metrics.counter({
      name: 'tessera_enrichment_privacy_dropped_total',
      help: 'Resolved events and merges dropped because a privacy request deleted their profile (in flight at the deletion), by input (event, merge)',
      labelNames: ['input'],
    });
    this.redeleted = metrics.counter({
      name: 'tessera_enrichment_privacy_redeleted_total',
      help: 'Profiles deleted again because a batch wrote them while a privacy request deleted them',
    });
    this.requests = metrics.counter({
      name: 'tessera_enrichment_privacy_requests_total',
      help: 'Privacy resolutions handled, by type and status (done, failed), redeliveries included',
      labelNames: ['type', 'status'],
    });
  }

  droppedForDeletion(input: 'event' | 'merge', amount: number): void {
    if (amount > 0) this.dropped.inc({ input }, amount);
  }

  deletedAgain(amount: number): void {
    if (amount > 0) this.redeleted.inc(amount);
  }

  privacyRequest(type: string, status: string): void {
    this.requests.inc({ type, status });
  }
}
