import { Inject, Injectable } from '@nestjs/common';
import { AvroCodec, TOPICS, TopicNames, type PrivacyRequest } from '@tessera/contracts';
import { KafkaPublisher } from '@tessera/platform-kafka';
import { INGESTION_CONFIG } from '../config/ingestion-config.token';
import type { IngestionConfig } from '../config/ingestion.config';

/** Writes privacy requests, keyed by request. */
@Injectable()
export class PrivacyPublisher {
  constructor(
    private readonly publisher: KafkaPublisher,
    private readonly codec: AvroCodec,
    private readonly topics: TopicNames,
    @Inject(INGESTION_CONFIG) private readonly config: IngestionConfig,
  ) {}

  /** Resolves once Kafka acknowledged the request; rejects after the publish timeout. */
  async publishRequest(request: PrivacyRequest): Promise<void> {
    await this.withTimeout(
      this.publisher.publish({
        [this.topics.resolve(TOPICS.privacyRequests)]: [
          {
            key: this.codec.encode('PrivacyRequestKey', { requestId: request.requestId }),
            value: this.codec.encode('PrivacyRequest', request),
          },
        ],
      }),
    );
  }

  private async withTimeout(work: Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no acknowledgement within ${this.config.publishTimeoutMs} ms`)),
        this.config.publishTimeoutMs,
      );
    });
    try {
      await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
