import type { Admin, ITopicConfig, Kafka } from 'kafkajs';

export interface TopicSpec {
  topic: string;
  numPartitions?: number;
  configEntries?: { name: string; value: string }[];
}

export interface EnsureTopicsOptions {
  /** How long to wait for every topic to be visible with a leader on each partition. */
  timeoutMs?: number;
}

/**
 * Creates the topics that are missing; existing topics are left exactly as they are. Returns once
 * every topic is visible in the cluster's metadata with a leader on each partition — also when
 * another process created a topic a moment earlier (Kafka then answers TOPIC_ALREADY_EXISTS) — so
 * a consumer subscribing next never meets UNKNOWN_TOPIC_OR_PARTITION.
 */
export async function ensureTopics(
  kafka: Kafka,
  specs: TopicSpec[],
  options: EnsureTopicsOptions = {},
): Promise<void> {
  if (specs.length === 0) return;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing: ITopicConfig[] = specs
      .filter((spec) => !existing.has(spec.topic))
      .map((spec) => ({
        topic: spec.topic,
        numPartitions: spec.numPartitions ?? 3,
        replicationFactor: -1,
        configEntries: spec.configEntries,
      }));
    // Not kafkajs's waitForLeaders: it gives up on UNKNOWN_TOPIC_OR_PARTITION, which a KRaft
    // broker answers for a moment after it accepted the topic. waitUntilServed retries it.
    if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: false });
    await waitUntilServed(
      admin,
      specs.map((spec) => spec.topic),
      timeoutMs,
    );
  } finally {
    await admin.disconnect();
  }
}

async function waitUntilServed(admin: Admin, topics: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastProblem = '';
  for (;;) {
    lastProblem = await metadataProblem(admin, topics);
    if (lastProblem === '') return;
    if (Date.now() >= deadline) {
      throw new Error(`topics not served by the cluster after ${timeoutMs} ms: ${lastProblem}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** '' when every topic has metadata and a leader on every partition, else what is missing. */
async function metadataProblem(admin: Admin, topics: string[]): Promise<string> {
  try {
    const metadata = await admin.fetchTopicMetadata({ topics });
    const leaderless = metadata.topics.flatMap((topic) =>
      topic.partitions.length === 0
        ? [`${topic.name} has no partitions`]
        : topic.partitions
            .filter((partition) => partition.leader < 0)
            .map((partition) => `${topic.name}[${partition.partitionId}] has no leader`),
    );
    return leaderless.join(', ');
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
