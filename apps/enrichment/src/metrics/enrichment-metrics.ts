import { Injectable } from '@nestjs/common';
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

/** Counters of what the enrichment service did, served in Prometheus format at /metrics. */
@Injectable()
export class EnrichmentMetrics {
  readonly registry = new Registry();
  private readonly dropped = new Counter({
    name: 'tessera_enrichment_privacy_dropped_total',
    help: 'Resolved events and merges dropped because a privacy request deleted their profile (in flight at the deletion), by input (event, merge)',
    labelNames: ['input'] as const,
    registers: [this.registry],
  });
  private readonly redeleted = new Counter({
    name: 'tessera_enrichment_privacy_redeleted_total',
    help: 'Profiles deleted again because a batch wrote them while a privacy request deleted them',
    registers: [this.registry],
  });
  private readonly requests = new Counter({
    name: 'tessera_enrichment_privacy_requests_total',
    help: 'Privacy resolutions handled, by type and status (done, failed), redeliveries included',
    labelNames: ['type', 'status'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'tessera_enrichment_' });
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
