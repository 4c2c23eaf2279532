import { Injectable } from '@nestjs/common';
import { ServiceMetrics } from '@tessera/platform-metrics';
import type { Counter } from 'prom-client';

/** Counters of what the identity service did, on the service's `/metrics`. */
@Injectable()
export class IdentityMetrics {
  private readonly barred: Counter<'verdict'>;
  private readonly requests: Counter<'type' | 'status'>;

  constructor(metrics: ServiceMetrics) {
    this.barred = metrics.counter({
      name: 'tessera_identity_events_barred_total',
      help: 'Accepted events dropped before resolution by a privacy request, by verdict (suppressed, deleted: in flight at a deletion)',
      labelNames: ['verdict'],
    });
    this.requests = metrics.counter({
      name: 'tessera_identity_privacy_requests_total',
      help: 'Privacy requests handled, by type and status (done, failed), redeliveries included',
      labelNames: ['type', 'status'],
    });
  }

  eventBarred(verdict: string): void {
    this.barred.inc({ verdict });
  }

  privacyRequest(type: string, status: string): void {
    this.requests.inc({ type, status });
  }
}
