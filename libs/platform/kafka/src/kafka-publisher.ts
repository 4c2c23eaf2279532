import { Partitioners, type IHeaders, type Kafka, type Producer } from 'kafkajs';
import { injectTraceContext } from './trace-context';

export interface OutboundRecord {
  key: Buffer | string | null;
  value: Buffer | null;
  headers?: IHeaders;
}

/**
 * Idempotent producer with acks=all. A publish resolves only when every record is acknowledged
 * by all in-sync replicas, so callers may treat a resolved publish as durable.
 */
export class KafkaPublisher {
  private readonly producer: Producer;
  private connected = false;

  constructor(kafka: Kafka) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      // murmur2 on the key bytes, as the Java client partitions: other producers agree on placement.
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
      // Bounded: a caller (an HTTP request, a consumer batch) must learn that Kafka is gone.
      retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 3_000 },
    });
    this.producer.on('producer.disconnect', () => {
      this.connected = false;
    });
  }

  async connect(): Promise<void> {
    await this.producer.connect();
    this.connected = true;
  }

  isConnected(): boolean {
    return this.connected;
  }

  /** Sends records to several topics in one request per broker. */
  async publish(byTopic: Record<string, OutboundRecord[]>): Promise<void> {
    const topicMessages = Object.entries(byTopic)
      .filter(([, records]) => records.length > 0)
      .map(([topic, records]) => ({
        topic,
        messages: records.map((record) => ({
          key: record.key,
          value: record.value,
          headers: injectTraceContext(record.headers ?? {}),
        })),
      }));
    if (topicMessages.length === 0) return;
    await this.producer.sendBatch({ topicMessages, acks: -1 });
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
    this.connected = false;
  }
}
