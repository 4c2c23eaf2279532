import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { contextFromTraceparent, injectTraceContext } from '@tessera/platform-kafka';
import { randomUUID } from 'node:crypto';
import { ACTIVATION_CONFIG } from '../config/activation-config.token';
import type { ActivationConfig } from '../config/activation.config';
import { signingSecrets, type Subscription } from '../subscriptions/subscription';
import { SubscriptionRegistry } from '../subscriptions/subscription-registry';
import { SubscriptionRepository } from '../subscriptions/subscription.repository';
import {
  AddressPolicy,
  nextRetryDelay,
  parseRetryAfter,
  webhookHeaders,
  WebhookSender,
  type WebhookOutcome,
} from '../webhooks';
import type { AttemptDocument, LaneDocument, MessageDocument } from './activation-store.schema';
import { DeliveryMetrics } from './delivery-metrics';
import {
  DeliveryRepository,
  subscriptionOfLane,
  type CreatedLane,
  type Enqueued,
} from './delivery.repository';

const tracer = trace.getTracer('@tessera/activation');

/** Lanes remembered per subscription while it is at its concurrency limit. */
const MAX_DEFERRED = 10_000;

/** What one attempt came to, and what happens next. */
type Verdict =
  | { next: 'delivered' }
  | { next: 'retry'; nextAttemptAt: number; error: string }
  | { next: 'failed'; error: string }
  | { next: 'gone'; error: string };

/**
 * Delivers webhook messages lane by lane: a lane (one subscription, one profile) is held under a
 * lease and its messages go out one at a time, so a profile's order holds; lanes of a subscription
 * run at most `concurrency` at once per replica, so one slow endpoint cannot hold the others up.
 * A failed attempt schedules the lane's next try in the store, so a restart loses no retry.
 * Lanes are started as soon as the consumer fills them, and by a poll for those that fell due.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookDispatcher.name);
  private readonly owner = randomUUID();
  private readonly sender: WebhookSender;
  private readonly running = new Map<string, Promise<void>>();
  private readonly inFlight = new Map<string, number>();
  /**
   * Lanes refused for a full subscription, started as its deliveries finish (bounded; the poll
   * finds the rest). A lane this replica created while enqueueing comes with its lease and messages.
   */
  private readonly deferred = new Map<string, Map<string, CreatedLane | null>>();
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(
    private readonly deliveries: DeliveryRepository,
    private readonly registry: SubscriptionRegistry,
    private readonly subscriptions: SubscriptionRepository,
    private readonly metrics: DeliveryMetrics,
    @Inject(ACTIVATION_CONFIG) private readonly config: ActivationConfig,
  ) {
    this.sender = new WebhookSender({
      policy: AddressPolicy.fromAllowlist(config.webhooks.allowlist),
      timeoutMs: config.webhooks.timeoutMs,
      maxRedirects: config.webhooks.maxRedirects,
      userAgent: 'Tessera-Webhooks/1.0',
    });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.poll(), this.config.dispatch.pollMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await Promise.allSettled(this.running.values());
    // Lanes held but not started yet go back to the store, due now, for the other replicas.
    const held = [...this.deferred.values()].flatMap((lanes) =>
      [...lanes.values()].filter((entry): entry is CreatedLane => entry !== null),
    );
    await Promise.allSettled(
      held.map((entry) => this.deliveries.release(entry.lane._id, this.owner, Date.now())),
    );
  }

  /**
   * Starts the lanes the consumer just filled: those it created are held by this replica already
   * (see `claimant`); the others are claimed, unless another replica holds them.
   */
  wake(enqueued: Enqueued): void {
    const created = new Set(enqueued.created.map(({ lane }) => lane._id));
    for (const held of enqueued.created) this.start(held.lane._id, held);
    for (const laneId of enqueued.lanes) if (!created.has(laneId)) this.start(laneId);
  }

  /** The claim new lanes are created with when their first attempt is due at once. */
  claimant(now: number, firstAttemptAt: number): { owner: string; leaseUntil: number } | null {
    if (this.stopping || firstAttemptAt > now) return null;
    return { owner: this.owner, leaseUntil: now + this.config.dispatch.leaseMs };
  }

  /** Starts every lane that is due; resolves when the look-up is done (not the deliveries). */
  async poll(now = Date.now()): Promise<void> {
    if (this.stopping) return;
    try {
      const full = [...this.inFlight]
        .filter(([id, count]) => count >= this.limitOf(id))
        .map(([id]) => id);
      for (const laneId of await this.deliveries.dueLanes(now, 1_000, full)) this.start(laneId);
    } catch (error) {
      this.logger.warn(`due lanes not read; will retry: ${String(error)}`);
    }
  }

  /** Resolves when no lane is being delivered by this replica (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled(this.running.values());
  }

  /** `waited`: a held lane deferred for a while, read again before it is delivered. */
  private start(laneId: string, held: CreatedLane | null = null, waited = false): void {
    if (this.stopping) return;
    const subscriptionId = subscriptionOfLane(laneId);
    // A lane created anew while its predecessor's run is ending starts after it (we hold it).
    if (this.running.has(laneId)) {
      if (held) this.defer(subscriptionId, laneId, held);
      return;
    }
    if ((this.inFlight.get(subscriptionId) ?? 0) >= this.limitOf(subscriptionId)) {
      this.defer(subscriptionId, laneId, held);
      return;
    }
    this.inFlight.set(subscriptionId, (this.inFlight.get(subscriptionId) ?? 0) + 1);
    const run = this.runLane(laneId, held, waited)
      .catch((error: unknown) =>
        this.logger.warn(`lane ${laneId} interrupted; its lease runs out: ${String(error)}`),
      )
      .finally(() => {
        this.running.delete(laneId);
        this.inFlight.set(subscriptionId, (this.inFlight.get(subscriptionId) ?? 1) - 1);
        this.startDeferred(subscriptionId);
      });
    this.running.set(laneId, run);
  }

  /** Remembers a lane a full subscription could not take now; it stays due in the store anyway. */
  private defer(subscriptionId: string, laneId: string, held: CreatedLane | null): void {
    const lanes = this.deferred.get(subscriptionId) ?? new Map<string, CreatedLane | null>();
    // Beyond the bound a held lane's lease runs out, and then the poll finds it.
    if (lanes.size < MAX_DEFERRED || lanes.has(laneId))
      lanes.set(laneId, held ?? lanes.get(laneId) ?? null);
    this.deferred.set(subscriptionId, lanes);
  }

  private startDeferred(subscriptionId: string): void {
    const lanes = this.deferred.get(subscriptionId);
    const next = lanes?.entries().next();
    if (!lanes || !next || next.done) return;
    const [laneId, held] = next.value;
    lanes.delete(laneId);
    if (lanes.size === 0) this.deferred.delete(subscriptionId);
    this.start(laneId, held, true);
  }

  private limitOf(subscriptionId: string): number {
    return (
      this.registry.get(subscriptionId)?.concurrency ?? this.config.webhooks.defaultConcurrency
    );
  }

  private async runLane(laneId: string, held: CreatedLane | null, waited: boolean): Promise<void> {
    const known = new Map(held?.messages.map((message) => [message._id, message]));
    // A lane that waited may have lost messages meanwhile (a privacy request deleted them).
    let lane = held
      ? waited
        ? await this.deliveries.renew(laneId, this.owner, this.leaseUntil())
        : held.lane
      : await this.deliveries.claim(laneId, this.owner, Date.now(), this.config.dispatch.leaseMs);
    while (lane) {
      const subscription = await this.deliverable(lane.subscriptionId);
      if (subscription === 'deleted') return this.deliveries.removeLane(laneId);
      if (subscription === 'waiting') return this.park(laneId, lane.subscriptionId);
      if (this.stopping) return this.deliveries.release(laneId, this.owner, Date.now());
      lane = await this.deliverHead(lane, subscription, known);
    }
  }

  /**
   * Parks a lane until its subscription can take webhooks again. Read again after parking: a
   * change made meanwhile woke the lanes before this one was parked, so it wakes this one itself.
   */
  private async park(laneId: string, subscriptionId: string): Promise<void> {
    await this.deliveries.release(laneId, this.owner, null);
    const now = await this.subscriptions.find(subscriptionId);
    if (now && isDeliverable(now)) await this.deliveries.wakeLane(laneId, Date.now());
  }

  /**
   * The subscription a lane is delivered to, `waiting` while it is paused, disabled or not a
   * webhook (it is woken when that changes), `deleted` when gone. What this replica's registry
   * says is checked against the store first: another replica may have changed it a moment ago.
   */
  private async deliverable(id: string): Promise<Subscription | 'waiting' | 'deleted'> {
    let subscription = this.registry.get(id);
    if (!subscription || !isDeliverable(subscription)) {
      subscription = (await this.subscriptions.find(id)) ?? undefined;
      if (subscription && isDeliverable(subscription)) await this.registry.refresh();
    }
    if (!subscription) return 'deleted';
    return isDeliverable(subscription) ? subscription : 'waiting';
  }

  /** Delivers the head of a held lane; the lane as it is afterwards, or null when let go. */
  private async deliverHead(
    lane: LaneDocument,
    subscription: Subscription,
    known: Map<string, MessageDocument>,
  ): Promise<LaneDocument | null> {
    const head = lane.queue[0];
    if (head === undefined) {
      if (await this.deliveries.removeIfEmpty(lane._id, this.owner)) return null;
      return this.deliveries.renew(lane._id, this.owner, this.leaseUntil());
    }
    // A message the enqueue handed over is as stored: this replica has held its lane since.
    const message = known.get(head) ?? (await this.deliveries.message(head));
    known.delete(head);
    if (!message || message.status !== 'pending')
      return this.deliveries.pop(lane._id, this.owner, head, this.leaseUntil());
    const verdict = await this.attempt(subscription, message);
    // The common case, a lane holding only this message, ends with one write.
    if (verdict.next !== 'retry' && verdict.next !== 'gone' && lane.queue.length === 1)
      if (await this.deliveries.removeIfOnly(lane._id, this.owner, head)) return null;
    if (verdict.next === 'retry') {
      await this.deliveries.release(lane._id, this.owner, verdict.nextAttemptAt);
      return null;
    }
    if (verdict.next === 'gone') {
      await this.disable(subscription, verdict.error);
      await this.deliveries.release(lane._id, this.owner, null);
      return null;
    }
    return this.deliveries.pop(lane._id, this.owner, head, this.leaseUntil());
  }

  /** One attempt: sends, logs it, and records the message's new state. */
  private async attempt(subscription: Subscription, message: MessageDocument): Promise<Verdict> {
    const at = Date.now();
    const outcome = await this.send(subscription, message, at);
    const attempt = message.attempts + 1;
    const verdict = this.verdictOf(outcome, attempt, at);
    this.metrics.attempted(subscription.id, outcome, verdict.next);
    const statusCode = outcome.kind === 'response' ? outcome.status : null;
    const logged = attemptOf(message, attempt, at, outcome, verdict);
    const [, found] = await Promise.all([
      this.deliveries.logAttempt(logged),
      this.settle(message, attempt, verdict, statusCode),
    ]);
    // Deleted by a privacy request during the attempt: its log goes too.
    if (!found) await this.deliveries.removeAttempt(logged._id);
    return verdict;
  }

  /**
   * Sends one attempt as a span of the trace of the change the message was made from; the
   * receiver gets its `traceparent`, so its own spans join the trace too.
   */
  private async send(
    subscription: Subscription,
    message: MessageDocument,
    at: number,
  ): Promise<WebhookOutcome> {
    const url = subscription.target.type === 'webhook' ? subscription.target.url : '';
    const parent = contextFromTraceparent(message.traceparent);
    const span = tracer.startSpan(
      'webhook deliver',
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'tessera.subscription.id': subscription.id,
          'tessera.message.id': message._id,
          'tessera.message.type': message.type,
          'tessera.delivery.attempt': message.attempts + 1,
        },
      },
      parent,
    );
    const spanContext = trace.setSpan(parent, span);
    const outcome = await context.with(spanContext, () =>
      this.sender.send({
        url,
        body: message.body,
        headers: {
          ...(injectTraceContext({}, spanContext) as Record<string, string>),
          ...webhookHeaders({
            id: message._id,
            timestamp: Math.floor(at / 1000),
            body: message.body,
            secrets: signingSecrets(subscription, at),
          }),
        },
      }),
    );
    if (outcome.kind === 'response') span.setAttribute('http.response.status_code', outcome.status);
    if (outcome.kind !== 'response' || outcome.status >= 300)
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: outcome.kind === 'response' ? `HTTP ${outcome.status}` : outcome.kind,
      });
    span.end();
    return outcome;
  }

  private settle(
    message: MessageDocument,
    attempt: number,
    verdict: Verdict,
    statusCode: number | null,
  ): Promise<boolean> {
    return this.deliveries.settle(message._id, {
      status:
        verdict.next === 'delivered'
          ? 'delivered'
          : verdict.next === 'retry'
            ? 'pending'
            : 'failed',
      attempts: attempt,
      nextAttemptAt: verdict.next === 'retry' ? verdict.nextAttemptAt : null,
      lastStatusCode: statusCode,
      lastError: verdict.next === 'delivered' ? null : verdict.error,
    });
  }

  private verdictOf(outcome: WebhookOutcome, attempt: number, at: number): Verdict {
    if (outcome.kind === 'refused') return { next: 'failed', error: `refused: ${outcome.reason}` };
    if (outcome.kind === 'response' && outcome.status >= 200 && outcome.status < 300)
      return { next: 'delivered' };
    if (outcome.kind === 'response' && outcome.status === 410)
      return {
        next: 'gone',
        error: 'the endpoint answered 410 Gone; the subscription is disabled',
      };
    const error =
      outcome.kind === 'response'
        ? `HTTP ${outcome.status}${outcome.location ? this.redirectNote : ''}`
        : outcome.reason;
    const retryAfter =
      outcome.kind === 'response' ? parseRetryAfter(outcome.retryAfter, at) : undefined;
    const delayMs = nextRetryDelay(
      this.config.webhooks.retrySchedule,
      attempt,
      retryAfter,
      this.config.webhooks.maxRetryAfterMs,
    );
    if (delayMs === undefined)
      return { next: 'failed', error: `gave up after ${attempt} attempts; last: ${error}` };
    return { next: 'retry', nextAttemptAt: Date.now() + delayMs, error };
  }

  private async disable(subscription: Subscription, reason: string): Promise<void> {
    this.logger.warn(`subscription ${subscription.id} disabled: ${reason}`);
    await this.subscriptions.disable(subscription.id, reason, Date.now());
    await this.registry.refresh();
  }

  private get redirectNote(): string {
    const hops = this.config.webhooks.maxRedirects;
    return hops === 0
      ? ' (redirects are not followed)'
      : ` (more than ${hops} redirect${hops === 1 ? '' : 's'})`;
  }

  private leaseUntil(): number {
    return Date.now() + this.config.dispatch.leaseMs;
  }
}

function attemptOf(
  message: MessageDocument,
  attempt: number,
  at: number,
  outcome: WebhookOutcome,
  verdict: Verdict,
): AttemptDocument {
  return {
    _id: `${message._id}#${attempt}@${at}`,
    subscriptionId: message.subscriptionId,
    messageId: message._id,
    profileId: message.profileId,
    type: message.type,
    attempt,
    at,
    latencyMs: Math.round(outcome.latencyMs),
    statusCode: outcome.kind === 'response' ? outcome.status : null,
    outcome:
      verdict.next === 'delivered'
        ? 'delivered'
        : verdict.next === 'retry'
          ? 'retrying'
          : verdict.next === 'gone'
            ? 'gone'
            : outcome.kind === 'refused'
              ? 'refused'
              : 'failed',
    error: verdict.next === 'delivered' ? null : verdict.error,
  };
}

function isDeliverable(subscription: Subscription): boolean {
  return subscription.status === 'active' && subscription.target.type === 'webhook';
}
