import { Injectable } from '@nestjs/common';
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

export type IngestOutcome = 'accepted' | 'deduplicated' | 'rejected';

/** Counters of what happened to incoming events, served in Prometheus format at /metrics. */
@Injectable()
export class IngestionMetrics {
  readonly registry = new Registry();
  private readonly events = new Counter({
    name: 'tessera_ingestion_events_total',
    help: 'Events received, by source, channel, outcome and rejection reason',
    labelNames: ['source', 'channel', 'outcome', 'reason'] as const,
    registers: [this.registry],
  });
  private readonly violations = new Counter({
    name: 'tessera_ingestion_tracking_plan_violations_total',
    help: 'Tracking-plan violations, by source, event name and what was done (forward, flag, reject)',
    labelNames: ['source', 'event', 'action'] as const,
    registers: [this.registry],
  });
  private readonly unrecorded = new Counter({
    name: 'tessera_ingestion_rejections_unrecorded_total',
    help: 'Rejected payloads that could not be written to the rejected-events topic (Kafka unavailable)',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'tessera_ingestion_' });
  }

  count(
    source: string,
    channel: string,
    outcome: IngestOutcome,
    amount: number,
    reason = '',
  ): void {
    if (amount > 0) this.events.inc({ source, channel, outcome, reason }, amount);
  }

  violation(source: string, event: string, action: string): void {
    this.violations.inc({ source, event, action });
  }

  rejectionUnrecorded(): void {
    this.unrecorded.inc();
  }
}
