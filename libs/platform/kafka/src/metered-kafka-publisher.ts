import type { Kafka } from 'kafkajs';
import { performance } from 'node:perf_hooks';
import { KafkaPublisher } from './kafka-publisher';
import type { KafkaMetrics } from './kafka-metrics';

/** The service's publisher: counts the records each publish wrote (or failed to) and times it. */
export class MeteredKafkaPublisher extends KafkaPublisher {
  constructor(
    kafka: Kafka,
    private readonly metrics: KafkaMetrics,
  ) {
    super(kafka);
  }

  override async publish(...args: Parameters<KafkaPublisher['publish']>): Promise<void> {
    const started = performance.now();
    try {
      await super.publish(...args);
    } catch (error) {
      this.metrics.publishFailed(args[0]);
      throw error;
    }
    this.metrics.published(args[0], (performance.now() - started) / 1000);
  }
}
