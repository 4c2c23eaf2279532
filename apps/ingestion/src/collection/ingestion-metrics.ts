import { Injectable } from '@nestjs/common';
import { ServiceMetrics } from '@tessera/platform-metrics';
import type { Counter } from 'prom-client';

export type IngestOutcome = 'accepted' | 'deduplicated' | 'rejected';

/** Counters of what happened to incoming events, on the service's `/metrics`. */
@Injectable()
export class IngestionMetrics {
  private readonly events: Counter<'source' | 'channel' | 'outcome' | 'reason'>;
  private readonly violations: Counter<'source' | 'event' | 'action'>;
  private readonly unrecorded: Counter;
  private readonly suppressed: Counter<'source' | 'channel'>;
  private readonly suppressionReloadFailures: Counter;
  private readonly privacyStatuses: Counter<'service' | 'outcome'>;

  constructor(metrics: ServiceMetrics) {
    this.events = metrics.counter({
      name: 'tessera_ingestion_events_total',
      help: 'Events received, by source, channel, outcome and rejection reason',
      labelNames: ['source', 'channel', 'outcome', 'reason'],
    });
    this.violations = metrics.counter({
      name: 'tessera_ingestion_tracking_plan_violations_total',
      help: 'Tracking-plan violations, by source, event name and what was done (forward, flag, reject)',
      labelNames: ['source', 'event', 'action'],
    });
    this.unrecorded = metrics.counter({
      name: 'tessera_ingestion_rejections_unrecorded_total',
      help: 'Rejected payloads that could not be written to the rejected-events topic (Kafka unavailable)',
    });
    this.suppressed = metrics.counter({
      name: 'tessera_ingestion_events_suppressed_total',
      help: 'Events not forwarded because they carry an identifier on the suppression list (the client is told they were accepted)',
      labelNames: ['source', 'channel'],
    });
    this.suppressionReloadFailures = metrics.counter({
      name: 'tessera_ingestion_suppression_reload_failures_total',
      help: 'Reloads of the suppression list that failed (the replica kept its last list)',
    });
    this.privacyStatuses = metrics.counter({
      name: 'tessera_ingestion_privacy_statuses_total',
      help: 'Privacy status records read, by service and what was done (applied, stale, unknown_request, unknown_service)',
      labelNames: ['service', 'outcome'],
    });
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

  suppressedEvents(source: string, channel: string, amount: number): void {
    if (amount > 0) this.suppressed.inc({ source, channel }, amount);
  }

  suppressionReloadFailed(): void {
    this.suppressionReloadFailures.inc();
  }

  privacyStatus(service: string, outcome: string): void {
    this.privacyStatuses.inc({ service, outcome });
  }
}
