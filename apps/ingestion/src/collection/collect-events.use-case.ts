import { Inject, Injectable, Logger } from '@nestjs/common';
import { parseSegmentEvent, type BatchDefaults, type FieldProblem } from '@tessera/collection';
import type {
  Event,
  EventType,
  IngestChannel,
  RejectedEvent,
  RejectionReason,
} from '@tessera/contracts';
import { INGESTION_CONFIG } from '../config/ingestion-config.token';
import type { IngestionConfig } from '../config/ingestion.config';
import { SuppressionList } from '../privacy/suppression-list';
import type { AuthenticatedSource } from '../sources/sources.service';
import { DedupeRepository } from './dedupe.repository';
import { EventsPublisher } from './events-publisher';
import { IngestUnavailableError } from './ingest-unavailable.error';
import { IngestionMetrics } from './ingestion-metrics';

/** Time a request gets, after its publish timeout, to record its outcome in the dedupe window. */
const LEASE_MARGIN_MS = 2_000;

/**
 * One incoming Segment-spec call as parsed JSON, with the bytes it arrived as when it arrived on
 * its own (a single-call request, a Kafka record): those go to the rejected topic as they were.
 */
export interface IncomingItem {
  json: unknown;
  bytes?: Buffer;
}

export interface CollectRequest {
  auth: AuthenticatedSource;
  items: IncomingItem[];
  channel: IngestChannel;
  receivedAt: number;
  contentType: string | null;
  /** The call type an endpoint fixes (`/v1/track`); batch items carry their own. */
  type?: EventType;
  defaults?: BatchDefaults;
}

export interface RejectedItem {
  index: number;
  messageId: string | null;
  reason: RejectionReason;
  message: string;
  errors: FieldProblem[];
}

export interface CollectResult {
  accepted: number;
  duplicates: number;
  rejected: RejectedItem[];
}

/**
 * The ingestion pipeline, the same for HTTP and Kafka: size limit, Segment-spec parsing,
 * tracking plan, deduplication by messageId, the suppression list, then accepted events and
 * rejections to Kafka in one acknowledged batch. Throws IngestUnavailableError when nothing
 * could be accepted.
 */
@Injectable()
export class CollectEventsUseCase {
  private readonly logger = new Logger(CollectEventsUseCase.name);

  constructor(
    private readonly dedupe: DedupeRepository,
    private readonly publisher: EventsPublisher,
    private readonly metrics: IngestionMetrics,
    private readonly suppressions: SuppressionList,
    @Inject(INGESTION_CONFIG) private readonly config: IngestionConfig,
  ) {}

  async collect(request: CollectRequest): Promise<CollectResult> {
    const { source, plan } = request.auth;
    const rejected: RejectedItem[] = [];
    const rejections: RejectedEvent[] = [];
    const candidates: { index: number; event: Event }[] = [];

    request.items.forEach((item, index) => {
      const outcome = this.admit(item, index, request);
      if ('event' in outcome) candidates.push({ index, event: outcome.event });
      else {
        rejected.push(outcome.rejected);
        rejections.push(this.toRejection(outcome.rejected, payloadOf(item), request));
      }
    });

    const planned = candidates.filter(({ index, event }) => {
      if (!plan) return true;
      const verdict = plan.evaluate(event);
      if (verdict.violations.length === 0) return true;
      this.metrics.violation(source.id, event.event ?? event.type, verdict.action);
      if (verdict.action === 'flag') event.violations = verdict.violations.map(describe);
      if (verdict.action !== 'reject') return true;
      const item: RejectedItem = {
        index,
        messageId: event.messageId,
        reason: 'tracking_plan_violation',
        message: 'the event breaks the source tracking plan',
        errors: verdict.violations,
      };
      rejected.push(item);
      rejections.push(this.toRejection(item, payloadOf(request.items[index]), request));
      return false;
    });

    const { forward, duplicates } = await this.deduplicate(
      source.id,
      planned.map(({ event }) => event),
      request,
    );
    // If this fails, nothing is acknowledged: the client's retry takes the claims over.
    const acknowledge = () =>
      this.dedupe.acknowledge(forward.requestId).catch((ackError: unknown) =>
        // An unacknowledged claim only means a retry is forwarded again: a duplicate, not a loss.
        this.logger.warn(`could not acknowledge dedupe claims: ${String(ackError)}`),
      );
    // Suppressed events count as accepted towards the client: the answer does not reveal them.
    const publishable = forward.events.filter((event) => !this.suppressions.suppresses(event));
    try {
      await this.publisher.publish(publishable, rejections, acknowledge);
    } catch (error) {
      // Lets the client's retry take the claims over at once rather than after the lease.
      if (forward.events.length > 0) await this.release(forward.requestId);
      throw error;
    }
    // Not waited for: a copy arriving before it is written waits for it (see DedupeRepository).
    if (forward.events.length > 0) void acknowledge();

    this.record(source.id, request.channel, publishable.length, duplicates, rejected);
    this.metrics.suppressedEvents(
      source.id,
      request.channel,
      forward.events.length - publishable.length,
    );
    rejected.sort((a, b) => a.index - b.index);
    // Reasons only: a rejection's message may echo what the event carried.
    this.logger.debug(
      `source ${source.id} over ${request.channel}: ${forward.events.length} accepted, ${duplicates} duplicates, ${rejected.length} rejected${tally(rejected)}`,
    );
    return { accepted: forward.events.length, duplicates, rejected };
  }

  private async release(requestId: string): Promise<void> {
    try {
      await this.dedupe.release(requestId);
    } catch (error) {
      // Then the retry waits for the lease to end before it takes the claims over.
      this.logger.warn(`could not release dedupe claims: ${String(error)}`);
    }
  }

  /** Records a payload refused as a whole (malformed JSON, wrong content type, unknown key). */
  async rejectPayload(rejection: RejectedEvent): Promise<void> {
    // Not the detail: a JSON parse error quotes the body.
    this.logger.debug(
      `payload from source ${rejection.sourceId ?? 'unknown'} over ${rejection.channel ?? 'unknown'} refused: ${rejection.reason}`,
    );
    this.metrics.count(
      rejection.sourceId ?? 'unknown',
      rejection.channel ?? 'unknown',
      'rejected',
      1,
      rejection.reason,
    );
    try {
      await this.publisher.publish([], [rejection]);
    } catch (error) {
      this.metrics.rejectionUnrecorded();
      this.logger.error(
        `rejected payload not recorded on the rejected-events topic: ${String(error)}`,
      );
    }
  }

  private admit(
    item: IncomingItem,
    index: number,
    request: CollectRequest,
  ): { event: Event } | { rejected: RejectedItem } {
    const sourceId = request.auth.source.id;
    const size = byteSizeOf(item.json);
    if (size === null) {
      return {
        rejected: invalid(index, messageIdOf(item.json), [
          { path: '', message: 'the event is nested too deeply to be read' },
        ]),
      };
    }
    if (size > this.config.limits.maxEventBytes) {
      return {
        rejected: {
          index,
          messageId: messageIdOf(item.json),
          reason: 'payload_too_large',
          message: `the event is ${size} bytes; the limit is ${this.config.limits.maxEventBytes}`,
          errors: [],
        },
      };
    }
    const parsed = parseSegmentEvent(item.json, {
      sourceId,
      receivedAt: request.receivedAt,
      type: request.type,
      defaults: request.defaults,
    });
    return parsed.ok
      ? { event: parsed.event }
      : { rejected: invalid(index, parsed.messageId, parsed.problems) };
  }

  private async deduplicate(sourceId: string, events: Event[], request: CollectRequest) {
    const seen = new Set<string>();
    const unique = events.filter(
      (event) => !seen.has(event.messageId) && seen.add(event.messageId),
    );
    const keys = unique.map((event) => `${sourceId}:${event.messageId}`);
    let claim;
    try {
      claim = await this.dedupe.claim(keys, new Date(request.receivedAt), {
        windowMs: this.config.dedupeWindowSeconds * 1000,
        // A holder is in flight at most the publish timeout, then writes its outcome.
        leaseMs: this.config.publishTimeoutMs + LEASE_MARGIN_MS,
      });
    } catch (error) {
      throw new IngestUnavailableError('store', { cause: error });
    }
    const forwardEvents = unique.filter((_, i) => !claim.duplicates.has(keys[i]));
    return {
      forward: { events: forwardEvents, requestId: claim.requestId },
      duplicates: events.length - forwardEvents.length,
    };
  }

  private toRejection(item: RejectedItem, payload: Buffer, request: CollectRequest): RejectedEvent {
    return {
      reason: item.reason,
      detail: item.message,
      sourceId: request.auth.source.id,
      receivedAt: request.receivedAt,
      payload,
      contentType: request.contentType,
      errors: item.errors,
      channel: request.channel,
      messageId: item.messageId,
    };
  }

  private record(
    source: string,
    channel: string,
    accepted: number,
    duplicates: number,
    rejected: RejectedItem[],
  ) {
    this.metrics.count(source, channel, 'accepted', accepted);
    this.metrics.count(source, channel, 'deduplicated', duplicates);
    for (const item of rejected) this.metrics.count(source, channel, 'rejected', 1, item.reason);
  }
}

/** ` (invalid_event 2, payload_too_large 1)`: how many of each reason, for a log line. */
function tally(rejected: RejectedItem[]): string {
  if (rejected.length === 0) return '';
  const counts = new Map<string, number>();
  for (const { reason } of rejected) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  return ` (${[...counts].map(([reason, count]) => `${reason} ${count}`).join(', ')})`;
}

function invalid(index: number, messageId: string | null, problems: FieldProblem[]): RejectedItem {
  return {
    index,
    messageId,
    reason: 'invalid_event',
    message: problems.map(describe).join('; '),
    errors: problems,
  };
}

function describe(problem: FieldProblem): string {
  return problem.path ? `${problem.path}: ${problem.message}` : problem.message;
}

/** The event's JSON size in bytes; null when it cannot be serialised (nesting deep enough to overflow the stack). */
function byteSizeOf(json: unknown): number | null {
  try {
    return Buffer.byteLength(JSON.stringify(json) ?? '');
  } catch {
    return null;
  }
}

function messageIdOf(json: unknown): string | null {
  const id = (json as { messageId?: unknown } | null)?.messageId;
  return typeof id === 'string' ? id : null;
}

/** The item's bytes as received, else its JSON; empty for a value that cannot be serialised (absurd nesting). */
function payloadOf(item: IncomingItem): Buffer {
  if (item.bytes) return item.bytes;
  try {
    return Buffer.from(JSON.stringify(item.json) ?? 'null');
  } catch {
    return Buffer.alloc(0);
  }
}
