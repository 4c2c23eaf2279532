import type { Consumer, Kafka } from 'kafkajs';
import { randomUUID } from 'node:crypto';

/**
 * Reads one topic from its start and hands each record's value (tombstones left out) to `take`
 * with the time of its arrival (performance.now()): a subscriber of a Kafka target, or a probe on
 * a topic between two services.
 */
export class TopicFollower {
  private constructor(private readonly consumer: Consumer) {}

  static async start(
    kafka: Kafka,
    topic: string,
    suffix: string,
    take: (value: Buffer, at: number) => void,
  ): Promise<TopicFollower> {
    // The group ends with the run suffix, so the run's clean-up deletes it.
    const consumer = kafka.consumer({
      groupId: `bench-follower-${randomUUID()}.${suffix}`,
      maxWaitTimeInMs: 50,
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: ({ batch }) => {
        const at = performance.now();
        for (const { value } of batch.messages) if (value) take(value, at);
        return Promise.resolve();
      },
    });
    return new TopicFollower(consumer);
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}
