import { Injectable } from '@nestjs/common';
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

/** Counters of what the identity service did, served in Prometheus format at /metrics. */
@Injectable()
export class IdentityMetrics {
  readonly registry = new Registry();
  private readonly barred = new Counter({
    name: 'tessera_identity_events_barred_total',
    help: 'Accepted events dropped before resolution by a privacy request, by verdict (suppressed, deleted: in flight at a deletion)',
    labelNames: ['verdict'] as const,
    registers: [this.registry],
  });
  private readonly requests = new Counter({
    name: 'tessera_identity_privacy_requests_total',
    help: 'Privacy requests handled, by type and status (done, failed), redeliveries included',
    labelNames: ['type', 'status'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'tessera_identity_' });
  }

  eventBarred(verdict: string): void {
    this.barred.inc({ verdict });
  }

  privacyRequest(type: string, status: string): void {
    this.requests.inc({ type, status });
  }
}
