import { AvroCodec } from '@tessera/contracts';
import type { Consumer, Kafka } from 'kafkajs';
import { randomUUID } from 'node:crypto';

/** Follows the profiles topic: the latest record of each key, and the events they hold. */
export class ProfilesReader {
  private readonly codec = new AvroCodec();
  private readonly counts = new Map<string, number>();
  private folded = 0;
  private consumer: Consumer | undefined;
  /** First time a record showed each user id (latency phases give each event its own user). */
  readonly firstSeen = new Map<string, number>();

  static async start(kafka: Kafka, topic: string): Promise<ProfilesReader> {
    const reader = new ProfilesReader();
    const consumer = kafka.consumer({
      groupId: `bench-profiles-${randomUUID()}`,
      maxWaitTimeInMs: 20,
    });
    reader.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }) => {
        reader.take(message.key, message.value);
        return Promise.resolve();
      },
    });
    return reader;
  }

  foldedEvents(): number {
    return this.folded;
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }

  private take(key: Buffer | null, value: Buffer | null): void {
    if (!key) return;
    const { profileId } = this.codec.decodeAs('ProfileKey', key);
    const snapshot = value && this.codec.decodeAs('ProfileSnapshot', value);
    const count = snapshot?.computed.eventCount ?? 0;
    this.folded += count - (this.counts.get(profileId) ?? 0);
    this.counts.set(profileId, count);
    const now = performance.now();
    for (const identifier of snapshot?.identifiers ?? [])
      if (identifier.type === 'user_id' && !this.firstSeen.has(identifier.value))
        this.firstSeen.set(identifier.value, now);
  }
}
