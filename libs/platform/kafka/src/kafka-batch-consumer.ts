import type { Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { BatchProcessor } from './batch-processor';
import type { BatchHandler, InboundMessage } from './consumed-message';
import type { DeadLetterPublisher } from './dead-letter-publisher';
import type { KafkaMetrics } from './kafka-metrics';
import type { TopicNames } from '@tessera/contracts';

export interface TopicSubscription<T = unknown> {
  /** Contract topic name; the consumer resolves it through TopicNames. */
  topic: string;
  handler: BatchHandler<T>;
  decode: (message: InboundMessage) => T;
}

export interface KafkaBatchConsumerOptions {
  kafka: Kafka;
  groupId: string;
  topics: TopicNames;
  subscriptions: TopicSubscription[];
  deadLetters: DeadLetterPublisher;
  logger: Logger;
  maxAttempts: number;
  retryBackoffMs: number;
  /** Largest slice of a fetched batch handed to the handler at once. */
  maxBatchSize?: number;
  partitionsConsumedConcurrently?: number;
  /** Upper bound of the wait between tries while a dependency is down. */
  maxOutageBackoffMs?: number;
  /** How long the group waits for a member that stopped heartbeating (a crashed replica). Default 30 s. */
  sessionTimeoutMs?: number;
  /** Records in, slice durations, lag, retries and dead letters (the service's `/metrics`). */
  metrics?: KafkaMetrics;
}

/**
 * A consumer-group member over kafkajs `eachBatch`: hands slices of each fetched batch to the
 * topic's handler, parks poison messages on the dead-letter topic, and commits a slice's offsets
 * only after its effects (and any parking) are durable. While a dependency is down it retries the
 * slice without committing, so an outage never dead-letters good messages.
 */
export class KafkaBatchConsumer {
  private readonly consumer: Consumer;
  private readonly processors = new Map<string, BatchProcessor<unknown>>();
  private joined = false;
  private stopping = false;
  private crashed: Error | undefined;
  /** Crashes in a row kafkajs did not recover from (backs off the next start); reset on joining. */
  private restarts = 0;
  private restartTimer: NodeJS.Timeout | undefined;

  private readonly heartbeatIntervalMs: number;
  private readonly maxOutageBackoffMs: number;

  constructor(private readonly options: KafkaBatchConsumerOptions) {
    this.maxOutageBackoffMs = options.maxOutageBackoffMs ?? 10_000;
    this.heartbeatIntervalMs = Math.min(
      3_000,
      Math.floor((options.sessionTimeoutMs ?? 30_000) / 3),
    );
    this.consumer = options.kafka.consumer({
      groupId: options.topics.groupId(options.groupId),
      allowAutoTopicCreation: false,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: this.heartbeatIntervalMs,
      // kafkajs restarts a crashed consumer even after disconnect(); once stopping, it must not.
      retry: { retries: 5, restartOnFailure: () => Promise.resolve(!this.stopping) },
    });
    for (const subscription of options.subscriptions) {
      this.processors.set(
        options.topics.resolve(subscription.topic),
        this.processorFor(subscription),
      );
    }
    const { GROUP_JOIN, CRASH, STOP } = this.consumer.events;
    this.consumer.on(GROUP_JOIN, () => {
      this.joined = true;
      this.crashed = undefined;
      this.restarts = 0;
      options.metrics?.forgetLag();
    });
    this.consumer.on(CRASH, ({ payload }) => {
      this.crashed = payload.error;
      // Releases connections a restart already under way opened after stop() was called.
      if (this.stopping) void this.consumer.disconnect().catch(() => undefined);
      this.options.logger.error(
        { err: payload.error, restart: payload.restart },
        'consumer crashed',
      );
      if (!payload.restart && !this.stopping) this.restartLater();
    });
    this.consumer.on(STOP, () => {
      this.joined = false;
      options.metrics?.forgetLag();
    });
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...this.processors.keys()], fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 1,
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  /**
   * kafkajs gives a consumer up after a crash it deems not retriable: among them, not finding the
   * group's coordinator while the broker restarts. The process would stay up with a member out of
   * its group for good, so it is started again, after 1 s, doubling while it keeps crashing (up to
   * `maxOutageBackoffMs`); it is not ready meanwhile.
   */
  private restartLater(): void {
    const delayMs = Math.min(1_000 * 2 ** Math.min(this.restarts, 16), this.maxOutageBackoffMs);
    this.restarts += 1;
    this.options.logger.warn(
      { delayMs, restarts: this.restarts },
      'consumer starts again after a crash kafkajs gave up on',
    );
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopping) return;
      this.start().catch((error: unknown) => {
        this.crashed = error instanceof Error ? error : new Error(String(error));
        this.options.logger.error({ err: error }, 'consumer failed to start again');
        if (!this.stopping) this.restartLater();
      });
    }, delayMs);
  }

  /** Ready once the member joined its group and has not crashed since. */
  isReady(): boolean {
    return this.joined && this.crashed === undefined;
  }

  /** Stops fetching, lets the in-flight slice finish and commit, then leaves the group. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    await this.consumer.disconnect();
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, isRunning, isStale, heartbeat, resolveOffset, commitOffsetsIfNecessary } =
      payload;
    const processor = this.processors.get(batch.topic);
    if (!processor) throw new Error(`no handler for topic ${batch.topic}`);
    const size = this.options.maxBatchSize ?? 500;
    const messages = batch.messages.map((message) =>
      toInbound(batch.topic, batch.partition, message),
    );
    const metrics = this.options.metrics;
    if (messages.length > 0)
      metrics?.fetched(batch.topic, batch.partition, batch.highWatermark, messages[0].offset);
    for (let start = 0; start < messages.length; start += size) {
      if (!isRunning() || isStale()) return;
      const slice = messages.slice(start, start + size);
      const started = performance.now();
      const done = await this.processUntilDone(processor, slice, payload);
      if (!done) return;
      const last = slice[slice.length - 1].offset;
      resolveOffset(last);
      // The payload's commit, unlike consumer.commitOffsets, still commits while the consumer stops.
      await commitOffsetsIfNecessary({
        topics: [
          {
            topic: batch.topic,
            partitions: [{ partition: batch.partition, offset: (BigInt(last) + 1n).toString() }],
          },
        ],
      });
      metrics?.committed(slice, batch.highWatermark, (performance.now() - started) / 1000);
      await heartbeat();
    }
  }

  private async processUntilDone(
    processor: BatchProcessor<unknown>,
    slice: InboundMessage[],
    { isRunning, isStale, heartbeat }: EachBatchPayload,
  ): Promise<boolean> {
    let delay = Math.max(this.options.retryBackoffMs, 100);
    for (;;) {
      try {
        await this.keepingMembership(processor.process(slice), heartbeat);
        return true;
      } catch (error) {
        this.options.logger.warn(
          {
            err: error,
            topic: slice[0].topic,
            partition: slice[0].partition,
            from: slice[0].offset,
          },
          'batch not processed; a dependency is unavailable, retrying without committing',
        );
        this.options.metrics?.retried(slice[0].topic, 'dependency-unavailable');
        if (!isRunning() || isStale()) return false;
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, this.maxOutageBackoffMs);
        await heartbeat();
      }
    }
  }

  /**
   * kafkajs heartbeats only between fetches and when asked to: a slice that takes longer than the
   * session timeout (a slow store, a busy machine) would get the member thrown out of the group,
   * its commit refused and the slice done again by the next owner, over and over. So heartbeats
   * go on while the slice is worked on. Once one says the group is rebalancing they stop: the
   * slice is finished and committed (the coordinator still takes this generation's commits while
   * it waits for members to rejoin), then the heartbeat after the commit rejoins.
   */
  private async keepingMembership<T>(work: Promise<T>, heartbeat: () => Promise<void>): Promise<T> {
    let beating = true;
    const timer = setInterval(() => {
      if (!beating) return;
      heartbeat().catch(() => (beating = false));
    }, this.heartbeatIntervalMs);
    try {
      return await work;
    } finally {
      clearInterval(timer);
    }
  }

  private processorFor(subscription: TopicSubscription): BatchProcessor<unknown> {
    const logger = this.options.logger;
    return new BatchProcessor({
      handler: subscription.handler,
      decode: subscription.decode,
      park: async (parked) => {
        await this.options.deadLetters.park(parked);
        this.options.metrics?.parked(parked);
        for (const entry of parked) {
          logger.warn(
            {
              topic: entry.message.topic,
              partition: entry.message.partition,
              offset: entry.message.offset,
              reason: entry.reason,
              err: entry.error,
            },
            'message parked on the dead-letter topic',
          );
        }
      },
      maxAttempts: this.options.maxAttempts,
      retryBackoffMs: this.options.retryBackoffMs,
      onRetry: (message, attempt, error) => {
        this.options.metrics?.retried(message.topic, 'handler-failed');
        logger.warn(
          {
            topic: message.topic,
            partition: message.partition,
            offset: message.offset,
            attempt,
            err: error,
          },
          'handler failed; retrying the message alone',
        );
      },
    });
  }
}

function toInbound(topic: string, partition: number, message: KafkaMessage): InboundMessage {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key ?? null,
    value: message.value ?? null,
    headers: normaliseHeaders(message.headers),
    timestamp: message.timestamp,
  };
}

function normaliseHeaders(headers: IHeaders | undefined): Record<string, Buffer> {
  const result: Record<string, Buffer> = {};
  for (const [key, value] of Object.entries(headers ?? {})) {
    const single = Array.isArray(value) ? value[value.length - 1] : value;
    if (single !== undefined) result[key] = Buffer.isBuffer(single) ? single : Buffer.from(single);
  }
  return result;
}
