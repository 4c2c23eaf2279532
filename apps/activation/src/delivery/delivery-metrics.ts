import { Injectable } from '@nestjs/common';
import { LATENCY_BUCKETS_SECONDS, ServiceMetrics } from '@tessera/platform-metrics';
import type { Counter, Histogram } from 'prom-client';
import type { WebhookOutcome } from '../webhooks';

/** How a webhook attempt went: what a dashboard of delivery health tells apart. */
export type AttemptOutcome = 'delivered' | 'failed-retryable' | 'failed-permanent' | 'timeout';

/** What the dispatcher decided after an attempt (its `Verdict`). */
type Next = 'delivered' | 'retry' | 'failed' | 'gone';

/**
 * Deliveries per subscription, on the service's `/metrics`: messages routed, webhook attempts by
 * outcome and their latency, and dead letters. Labelled by subscription id, never by profile or
 * message.
 */
@Injectable()
export class DeliveryMetrics {
  private readonly routedMessages: Counter<'subscription' | 'target'>;
  private readonly attempts: Counter<'subscription' | 'outcome'>;
  private readonly latency: Histogram<'subscription'>;
  private readonly deadLetters: Counter<'subscription'>;

  constructor(metrics: ServiceMetrics) {
    this.routedMessages = metrics.counter({
      name: 'tessera_activation_messages_routed_total',
      help: 'Messages made for a subscription from the changes read, by subscription and target (webhook: put in the outbox; kafka: written to the target topic); a change read again counts again',
      labelNames: ['subscription', 'target'],
    });
    this.attempts = metrics.counter({
      name: 'tessera_activation_delivery_attempts_total',
      help: 'Webhook attempts, by subscription and outcome: delivered (2xx), timeout (WEBHOOK_TIMEOUT_MS ran out), failed-retryable (another attempt is scheduled), failed-permanent (none is: refused address, 410 Gone, or the schedule used up)',
      labelNames: ['subscription', 'outcome'],
    });
    this.latency = metrics.histogram({
      name: 'tessera_activation_delivery_duration_seconds',
      help: 'Time of one webhook attempt, connect to the end of the response (redirects included), by subscription',
      labelNames: ['subscription'],
      buckets: LATENCY_BUCKETS_SECONDS,
    });
    this.deadLetters = metrics.counter({
      name: 'tessera_activation_dead_letters_total',
      help: 'Webhook messages that became dead letters (status failed: attempts used up, address refused, or 410 Gone), by subscription; GET /v1/subscriptions/{id}/failed lists them, POST .../failed/replay sends them again',
      labelNames: ['subscription'],
    });
  }

  routed(subscriptionId: string, target: 'webhook' | 'kafka'): void {
    this.routedMessages.inc({ subscription: subscriptionId, target });
  }

  attempted(subscriptionId: string, outcome: WebhookOutcome, next: Next): void {
    this.attempts.inc({ subscription: subscriptionId, outcome: attemptOutcome(outcome, next) });
    this.latency.observe({ subscription: subscriptionId }, outcome.latencyMs / 1000);
    if (next === 'failed' || next === 'gone')
      this.deadLetters.inc({ subscription: subscriptionId });
  }
}

function attemptOutcome(outcome: WebhookOutcome, next: Next): AttemptOutcome {
  if (next === 'delivered') return 'delivered';
  if (outcome.kind === 'failed' && outcome.timedOut) return 'timeout';
  return next === 'retry' ? 'failed-retryable' : 'failed-permanent';
}
