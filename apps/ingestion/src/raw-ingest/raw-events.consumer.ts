import { context } from '@opentelemetry/api';
import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { AvroCodec, CodecError, TOPICS, type Event, type RejectedEvent } from '@tessera/contracts';
import type { ConsumedMessage } from '@tessera/platform-kafka';
import { CollectEventsUseCase, type IncomingItem } from '../collection/collect-events.use-case';
import { UnauthorizedSourceError } from '../sources/source-errors';
import { SourcesService } from '../sources/sources.service';

/** Header carrying the source's write key on records of the raw-events topic. */
export const WRITE_KEY_HEADER = 'tessera-write-key';

const AVRO_SINGLE_OBJECT = [0xc3, 0x01];
const CONFLUENT_MAGIC = 0x00;

/**
 * Direct Kafka ingest: external producers publish Segment-spec JSON (one call, or `{ batch }`) or
 * contract Avro `Event`s to the raw-events topic, with the write key in a header. Records go
 * through the same pipeline as HTTP; what cannot be accepted goes to the rejected-events topic
 * with the record's bytes, so a bad record never stops the partition.
 */
@Controller()
export class RawEventsConsumer {
  constructor(
    private readonly sources: SourcesService,
    private readonly collect: CollectEventsUseCase,
    private readonly codec: AvroCodec,
  ) {}

  @EventPattern(TOPICS.rawEvents)
  async handle(messages: ConsumedMessage<Buffer | null>[]): Promise<void> {
    // Each record in its producer's trace: the events it holds are published in it.
    for (const message of messages)
      await context.with(message.traceContext, () => this.ingest(message));
  }

  private async ingest(message: ConsumedMessage<Buffer | null>): Promise<void> {
    const receivedAt = Date.now();
    const bytes = message.value ?? Buffer.alloc(0);
    const writeKey = message.raw.headers[WRITE_KEY_HEADER]?.toString('utf8');
    const reject = (
      reason: RejectedEvent['reason'],
      detail: string,
      sourceId: string | null = null,
    ) =>
      this.collect.rejectPayload({
        reason,
        detail,
        sourceId,
        receivedAt,
        payload: bytes,
        contentType: null,
        errors: [{ path: '', message: detail }],
        channel: 'kafka',
        messageId: null,
      });

    if (!writeKey) return reject('unknown_source', `the record has no ${WRITE_KEY_HEADER} header`);
    let auth;
    try {
      auth = await this.sources.authenticate(writeKey);
    } catch (error) {
      if (error instanceof UnauthorizedSourceError)
        return reject(error.reason, error.message, error.sourceId);
      throw error;
    }
    const decoded = this.decode(bytes);
    if ('problem' in decoded) return reject(decoded.reason, decoded.problem, auth.source.id);
    // IngestUnavailableError is transient: the consumer retries the batch without committing.
    await this.collect.collect({
      auth,
      channel: 'kafka',
      receivedAt,
      contentType: null,
      ...decoded,
    });
  }

  private decode(bytes: Buffer):
    | {
        items: IncomingItem[];
        defaults?: { context?: unknown; integrations?: unknown; sentAt?: unknown };
      }
    | { problem: string; reason: RejectedEvent['reason'] } {
    if (isAvro(bytes)) {
      try {
        return { items: [{ json: toSegmentCall(this.codec.decodeAs('Event', bytes)), bytes }] };
      } catch (error) {
        const detail = error instanceof CodecError ? error.message : String(error);
        return { problem: `undecodable Avro record: ${detail}`, reason: 'undecodable' };
      }
    }
    let json: unknown;
    try {
      json = JSON.parse(bytes.toString('utf8'));
    } catch (error) {
      return {
        problem: `the record is neither Avro nor JSON: ${(error as Error).message}`,
        reason: 'invalid_json',
      };
    }
    const batch = (json as { batch?: unknown } | null)?.batch;
    if (!Array.isArray(batch)) return { items: [{ json, bytes }] };
    const { context, integrations, sentAt } = json as {
      context?: unknown;
      integrations?: unknown;
      sentAt?: unknown;
    };
    return {
      items: batch.map((item: unknown) => ({ json: item })),
      defaults: { context, integrations, sentAt },
    };
  }
}

function isAvro(bytes: Buffer): boolean {
  return (
    (bytes[0] === AVRO_SINGLE_OBJECT[0] && bytes[1] === AVRO_SINGLE_OBJECT[1]) ||
    (bytes[0] === CONFLUENT_MAGIC && bytes.length > 5)
  );
}

/**
 * A contract Event as the Segment call it stands for, so that it goes through the same checks as
 * JSON: ingestion stamps receivedAt and its source, and corrects the time as for any call.
 */
function toSegmentCall(event: Event): Record<string, unknown> {
  const { receivedAt: _receivedAt, sourceId: _sourceId, violations: _violations, ...call } = event;
  const iso = (millis: number | null) => (millis === null ? null : new Date(millis).toISOString());
  return {
    ...call,
    timestamp: iso(event.timestamp),
    sentAt: iso(event.sentAt),
    originalTimestamp: iso(event.originalTimestamp),
  };
}
