import {
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { AvroCodec, TOPIC_CONFIGS, TopicNames, type TopicName } from '@tessera/contracts';
import type { PlatformConfig } from '@tessera/platform-config';
import { ServiceMetrics } from '@tessera/platform-metrics';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { createKafka } from './create-kafka';
import { DeadLetterPublisher } from './dead-letter-publisher';
import { ensureTopics, type TopicSpec } from './ensure-topics';
import { KafkaBatchServer } from './kafka-batch-server';
import { KafkaMetrics } from './kafka-metrics';
import { MeteredKafkaPublisher } from './metered-kafka-publisher';
import { PrivacyStatusPublisher } from './privacy-status-publisher';
import { KafkaPublisher } from './kafka-publisher';
import { KafkaReadiness } from './kafka-readiness';

export const KAFKA = Symbol('KAFKA');
const KAFKA_OPTIONS = Symbol('KAFKA_OPTIONS');

export interface KafkaPlatformOptions {
  config: PlatformConfig;
  logger: Logger;
  /** Consumer group of the service; omit for a service that only produces. */
  consumerGroup?: string;
  /** Contract topics this service consumes (their dead-letter topics are created too). */
  consumes?: string[];
  /** Contract topics this service produces to. */
  produces?: string[];
  /** Create missing topics at start-up (local and test set-ups; production uses Strimzi). */
  createTopics: boolean;
  partitions?: number;
}

/** Connects the producer and creates missing topics before the app takes traffic. */
@Injectable()
class KafkaLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(KAFKA_OPTIONS) private readonly options: KafkaPlatformOptions,
    private readonly topics: TopicNames,
    private readonly publisher: KafkaPublisher,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.options.createTopics) await ensureTopics(this.kafka, this.topicSpecs());
    await this.publisher.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.publisher.disconnect();
  }

  private topicSpecs(): TopicSpec[] {
    const consumes = this.options.consumes ?? [];
    const specs = new Map<string, TopicSpec>();
    const add = (name: string, contractTopic?: string) =>
      specs.set(name, {
        topic: name,
        numPartitions: this.options.partitions,
        configEntries: Object.entries(TOPIC_CONFIGS[contractTopic as TopicName] ?? {}).map(
          ([configName, value]) => ({ name: configName, value }),
        ),
      });
    for (const topic of [...consumes, ...(this.options.produces ?? [])])
      add(this.topics.resolve(topic), topic);
    for (const topic of consumes) add(this.topics.deadLetter(topic));
    return [...specs.values()];
  }
}

/** Ready when the cluster answers and, for a consuming service, the consumer joined its group. */
@Injectable()
export class KafkaReadinessProbe implements OnApplicationShutdown {
  readonly name = 'kafka';
  private readonly cluster: KafkaReadiness;

  constructor(
    @Inject(KAFKA) kafka: Kafka,
    private readonly server: KafkaBatchServer,
    @Inject(KAFKA_OPTIONS) private readonly options: KafkaPlatformOptions,
  ) {
    this.cluster = new KafkaReadiness(kafka);
  }

  async check(): Promise<void> {
    await this.cluster.check();
    if (this.options.consumerGroup && !this.server.isReady())
      throw new Error('consumer has not joined its group');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.cluster.close();
  }
}

@Module({})
export class KafkaPlatformModule {
  static forRoot(options: KafkaPlatformOptions): DynamicModule {
    const { config, logger } = options;
    return {
      module: KafkaPlatformModule,
      global: true,
      providers: [
        { provide: KAFKA_OPTIONS, useValue: options },
        {
          provide: KAFKA,
          useFactory: () =>
            createKafka({ brokers: config.kafka.brokers, clientId: config.kafka.clientId, logger }),
        },
        { provide: AvroCodec, useFactory: () => new AvroCodec() },
        { provide: TopicNames, useFactory: () => new TopicNames(config.kafka.topicSuffix) },
        {
          provide: KafkaMetrics,
          useFactory: (metrics: ServiceMetrics) => new KafkaMetrics(metrics),
          inject: [ServiceMetrics],
        },
        {
          provide: KafkaPublisher,
          useFactory: (kafka: Kafka, metrics: KafkaMetrics) =>
            new MeteredKafkaPublisher(kafka, metrics),
          inject: [KAFKA, KafkaMetrics],
        },
        {
          provide: PrivacyStatusPublisher,
          useFactory: (publisher: KafkaPublisher, codec: AvroCodec, topics: TopicNames) =>
            new PrivacyStatusPublisher(publisher, codec, topics),
          inject: [KafkaPublisher, AvroCodec, TopicNames],
        },
        {
          provide: KafkaBatchServer,
          useFactory: (
            kafka: Kafka,
            codec: AvroCodec,
            topics: TopicNames,
            publisher: KafkaPublisher,
            metrics: KafkaMetrics,
          ) =>
            new KafkaBatchServer({
              kafka,
              codec,
              topics,
              groupId: options.consumerGroup ?? `tessera-${config.service}`,
              deadLetters: new DeadLetterPublisher(
                publisher,
                codec,
                topics,
                topics.groupId(options.consumerGroup ?? `tessera-${config.service}`),
              ),
              logger: logger.child({ component: 'consumer' }),
              maxAttempts: config.kafka.maxAttempts,
              retryBackoffMs: config.kafka.retryBackoffMs,
              sessionTimeoutMs: config.kafka.sessionTimeoutMs,
              partitionsConsumedConcurrently: config.kafka.partitionsConcurrency,
              metrics,
            }),
          inject: [KAFKA, AvroCodec, TopicNames, KafkaPublisher, KafkaMetrics],
        },
        KafkaReadinessProbe,
        KafkaLifecycle,
      ],
      exports: [
        KAFKA,
        AvroCodec,
        TopicNames,
        KafkaPublisher,
        PrivacyStatusPublisher,
        KafkaBatchServer,
        KafkaReadinessProbe,
      ],
    };
  }
}
