import type { Admin, Kafka } from 'kafkajs';

/** Answers whether the cluster answers a metadata request within the timeout. */
export class KafkaReadiness {
  private admin: Admin | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly timeoutMs = 2_000,
  ) {}

  async check(): Promise<void> {
    this.admin ??= this.kafka.admin();
    const admin = this.admin;
    await withTimeout(
      (async () => {
        await admin.connect();
        await admin.describeCluster();
      })(),
      this.timeoutMs,
      'Kafka did not answer',
    );
  }

  async close(): Promise<void> {
    await this.admin?.disconnect();
    this.admin = undefined;
  }
}

async function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
