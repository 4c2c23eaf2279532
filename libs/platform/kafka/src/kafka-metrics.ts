import { LATENCY_BUCKETS_SECONDS, type ServiceMetrics } from '@tessera/platform-metrics';
import type { Counter, Gauge, Histogram } from 'prom-client';
import type { ParkedMessage } from './batch-processor';
import type { InboundMessage } from './consumed-message';
import type { OutboundRecord } from './kafka-publisher';

/** A record's age when committed: from a live pipeline to a backlog of an hour. */
const AGE_BUCKETS_SECONDS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

/** Why a consumer tried again: one message failed its handler, or a dependency is down. */
export type RetryCause = 'handler-failed' | 'dependency-unavailable';

/**
 * What the platform's Kafka consumer and producer did, the same metrics in every service: records
 * in and out, slice durations, record ages, lag per partition, retries and dead letters. Labels
 * are topics, partitions and reasons, never keys or values.
 */
export class KafkaMetrics {
  private readonly consumed: Counter<'topic' | 'partition'>;
  private readonly sliceDuration: Histogram<'topic'>;
  private readonly recordAge: Histogram<'topic'>;
  private readonly lag: Gauge<'topic' | 'partition'>;
  private readonly retries: Counter<'topic' | 'cause'>;
  private readonly deadLetters: Counter<'topic' | 'reason'>;
  private readonly produced: Counter<'topic'>;
  private readonly produceFailures: Counter<'topic'>;
  private readonly publishDuration: Histogram;

  constructor(metrics: ServiceMetrics) {
    this.consumed = metrics.counter({
      name: 'tessera_kafka_consumer_records_total',
      help: 'Records consumed and committed (handled or dead-lettered), by topic and partition',
      labelNames: ['topic', 'partition'],
    });
    this.sliceDuration = metrics.histogram({
      name: 'tessera_kafka_consumer_batch_duration_seconds',
      help: 'Time to process one slice of a fetched batch (at most 500 records), from the handler call to the commit, by topic; retries while a dependency is down included',
      labelNames: ['topic'],
      buckets: LATENCY_BUCKETS_SECONDS,
    });
    this.recordAge = metrics.histogram({
      name: 'tessera_kafka_consumer_record_age_seconds',
      help: "Time from a record's Kafka timestamp (when it was produced) to the commit of its slice, by topic: this hop's latency, time waiting in the topic included",
      labelNames: ['topic'],
      buckets: AGE_BUCKETS_SECONDS,
    });
    this.lag = metrics.gauge({
      name: 'tessera_kafka_consumer_lag',
      help: "Records of a partition this replica has yet to commit: the partition's high watermark when the last batch was fetched minus the next offset to process. Set on every batch and slice; a partition's series goes on a rebalance and comes back with its next batch; it does not move while nothing is fetched",
      labelNames: ['topic', 'partition'],
    });
    this.retries = metrics.counter({
      name: 'tessera_kafka_consumer_retries_total',
      help: 'Tries again by the consumer, by topic and cause: handler-failed (one message retried alone before it is dead-lettered), dependency-unavailable (a slice retried uncommitted while Kafka or the store is down)',
      labelNames: ['topic', 'cause'],
    });
    this.deadLetters = metrics.counter({
      name: 'tessera_kafka_dead_letters_total',
      help: "Records parked on their topic's dead-letter topic, by the topic they were read from and reason (decode-error, handler-failed, or a handler's own code)",
      labelNames: ['topic', 'reason'],
    });
    this.produced = metrics.counter({
      name: 'tessera_kafka_producer_records_total',
      help: 'Records published and acknowledged by all in-sync replicas, by topic',
      labelNames: ['topic'],
    });
    this.produceFailures = metrics.counter({
      name: 'tessera_kafka_producer_failed_records_total',
      help: 'Records of publishes that failed (some may have been written before the failure; the caller retries or answers 503), by topic',
      labelNames: ['topic'],
    });
    this.publishDuration = metrics.histogram({
      name: 'tessera_kafka_producer_publish_duration_seconds',
      help: 'Time of one successful publish until every record of it was acknowledged (acks=all)',
      buckets: LATENCY_BUCKETS_SECONDS,
    });
  }

  /** A batch was fetched: the partition holds everything from its first offset on. */
  fetched(topic: string, partition: number, highWatermark: string, firstOffset: string): void {
    this.setLag(topic, partition, highWatermark, BigInt(firstOffset));
  }

  /** A slice was handled (or parked) and committed, `seconds` after it was handed over. */
  committed(slice: InboundMessage[], highWatermark: string, seconds: number): void {
    if (slice.length === 0) return;
    const { topic, partition } = slice[0];
    const now = Date.now();
    this.consumed.inc({ topic, partition: String(partition) }, slice.length);
    this.sliceDuration.observe({ topic }, seconds);
    for (const message of slice) {
      const producedAt = Number(message.timestamp);
      if (producedAt > 0) this.recordAge.observe({ topic }, Math.max(0, now - producedAt) / 1000);
    }
    this.setLag(topic, partition, highWatermark, BigInt(slice[slice.length - 1].offset) + 1n);
  }

  /** The group rebalanced or the consumer stopped: the partitions this replica had may be others'. */
  forgetLag(): void {
    this.lag.reset();
  }

  retried(topic: string, cause: RetryCause): void {
    this.retries.inc({ topic, cause });
  }

  parked(entries: ParkedMessage[]): void {
    for (const { message, reason } of entries)
      this.deadLetters.inc({ topic: message.topic, reason });
  }

  published(byTopic: Record<string, OutboundRecord[]>, seconds: number): void {
    this.publishDuration.observe(seconds);
    for (const [topic, records] of Object.entries(byTopic))
      if (records.length > 0) this.produced.inc({ topic }, records.length);
  }

  publishFailed(byTopic: Record<string, OutboundRecord[]>): void {
    for (const [topic, records] of Object.entries(byTopic))
      if (records.length > 0) this.produceFailures.inc({ topic }, records.length);
  }

  private setLag(topic: string, partition: number, highWatermark: string, next: bigint): void {
    const behind = BigInt(highWatermark) - next;
    this.lag.set({ topic, partition: String(partition) }, behind > 0n ? Number(behind) : 0);
  }
}
