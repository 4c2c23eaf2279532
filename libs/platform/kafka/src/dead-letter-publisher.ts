import type { AvroCodec } from '@tessera/contracts';
import type { ParkedMessage } from './batch-processor';
import type { KafkaPublisher, OutboundRecord } from './kafka-publisher';
import type { TopicNames } from '@tessera/contracts';

export const DEAD_LETTER_REASON_HEADER = 'tessera-dead-letter-reason';

/**
 * Parks messages on their topic's dead-letter topic with the reason, the error and the original
 * key, value and headers, so nothing is lost and an operator can replay them.
 */
export class DeadLetterPublisher {
  constructor(
    private readonly publisher: KafkaPublisher,
    private readonly codec: AvroCodec,
    private readonly topics: TopicNames,
    private readonly consumerGroup: string,
  ) {}

  async park(parked: ParkedMessage[]): Promise<void> {
    const byTopic: Record<string, OutboundRecord[]> = {};
    for (const entry of parked) {
      const topic = this.topics.deadLetter(this.topics.contractNameOf(entry.message.topic));
      (byTopic[topic] ??= []).push(this.toRecord(entry));
    }
    await this.publisher.publish(byTopic);
  }

  private toRecord({ message, reason, error, attempts }: ParkedMessage): OutboundRecord {
    const value = this.codec.encode('DeadLetter', {
      originalTopic: message.topic,
      partition: message.partition,
      offset: message.offset,
      key: message.key,
      value: message.value ?? Buffer.alloc(0),
      headers: Object.entries(message.headers).map(([key, headerValue]) => ({
        key,
        value: headerValue,
      })),
      reason,
      errorName: error.name,
      errorMessage: error.message.slice(0, 4_000),
      attempts,
      consumerGroup: this.consumerGroup,
      failedAt: Date.now(),
    });
    return { key: message.key, value, headers: { [DEAD_LETTER_REASON_HEADER]: reason } };
  }
}
