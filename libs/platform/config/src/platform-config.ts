import { EnvReader } from './env-reader';

/** Settings every Tessera service shares: where Kafka and the store are, and how to behave. */
export interface PlatformConfig {
  service: string;
  http: { host: string; port: number };
  kafka: {
    brokers: string[];
    clientId: string;
    /** Appended to every topic and group name; lets test runs and tenants share a cluster. */
    topicSuffix: string;
    maxAttempts: number;
    retryBackoffMs: number;
    /** Create missing topics at start-up (local set-ups); production clusters declare them (Strimzi). */
    createTopics: boolean;
    partitions: number;
    /** How long the group waits for a member that stopped heartbeating before it moves its partitions. */
    sessionTimeoutMs: number;
    /** Partitions a replica works on at once (each still in order). */
    partitionsConcurrency: number;
  };
  mongo: { uri: string; database: string };
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
  shutdownTimeoutMs: number;
  /** How long a service keeps starting again while Kafka or the store is unreachable, then exits. */
  startupTimeoutMs: number;
}

export interface PlatformDefaults {
  service: string;
  port: number;
  database: string;
  /** Partitions a replica works on at once, when KAFKA_PARTITIONS_CONCURRENCY is not set (1). */
  partitionsConcurrency?: number;
}

/** Reads the shared settings; the service's own config module adds its specific ones on the same reader. */
export function readPlatformConfig(reader: EnvReader, defaults: PlatformDefaults): PlatformConfig {
  const topicSuffix = reader.optionalString('TESSERA_TOPIC_SUFFIX') ?? '';
  return {
    service: defaults.service,
    http: {
      host: reader.string('HTTP_HOST', { default: '0.0.0.0' }),
      port: reader.port('PORT', { default: defaults.port }),
    },
    kafka: {
      brokers: reader.hostPorts('KAFKA_BROKERS', { default: ['127.0.0.1:9092'] }),
      clientId: reader.string('KAFKA_CLIENT_ID', { default: `tessera-${defaults.service}` }),
      topicSuffix,
      maxAttempts: reader.integer('KAFKA_HANDLER_MAX_ATTEMPTS', { default: 3, min: 1, max: 100 }),
      retryBackoffMs: reader.integer('KAFKA_HANDLER_RETRY_BACKOFF_MS', {
        default: 200,
        min: 0,
        max: 60_000,
      }),
      createTopics: reader.boolean('KAFKA_CREATE_TOPICS', { default: true }),
      partitions: reader.integer('KAFKA_TOPIC_PARTITIONS', { default: 6, min: 1, max: 10_000 }),
      // The broker's group.min.session.timeout.ms is 6 s by default.
      sessionTimeoutMs: reader.integer('KAFKA_SESSION_TIMEOUT_MS', {
        default: 30_000,
        min: 6_000,
        max: 300_000,
      }),
      partitionsConcurrency: reader.integer('KAFKA_PARTITIONS_CONCURRENCY', {
        default: defaults.partitionsConcurrency ?? 1,
        min: 1,
        max: 64,
      }),
    },
    mongo: {
      uri: reader.mongoUri('MONGODB_URI', { default: 'mongodb://127.0.0.1:27017/' }),
      database: reader.string('MONGODB_DATABASE', { default: defaults.database }),
    },
    logLevel: reader.oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace'], {
      default: 'info',
    }),
    // The chart's startup probe gives a pod 120 s before it restarts it.
    startupTimeoutMs: reader.integer('STARTUP_TIMEOUT_MS', {
      default: 120_000,
      min: 0,
      max: 3_600_000,
    }),
    shutdownTimeoutMs: reader.integer('SHUTDOWN_TIMEOUT_MS', {
      default: 25_000,
      min: 1_000,
      max: 600_000,
    }),
  };
}
