import { Inject, Injectable, Logger } from '@nestjs/common';
import type { PrivacyStatus } from '@tessera/contracts';
import { identifierHash } from '@tessera/identity';
import { createHmac, randomBytes } from 'node:crypto';
import { IngestionMetrics } from '../collection/ingestion-metrics';
import { INGESTION_CONFIG } from '../config/ingestion-config.token';
import type { IngestionConfig } from '../config/ingestion.config';
import {
  PrivacyIdempotencyConflictError,
  PrivacyRequestNotFoundError,
  PrivacyRequestUnavailableError,
} from './privacy-errors';
import { PrivacyIdempotencyKeysRepository } from './privacy-idempotency-keys.repository';
import { PrivacyPublisher } from './privacy-publisher';
import { isPrivacyService, pendingServices, type StoredPrivacyRequest } from './privacy-request';
import type { PrivacyRequestInput } from './privacy-request-body';
import { PrivacyRequestsRepository } from './privacy-requests.repository';

/** How long an Idempotency-Key stands for the request it was first sent with. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 3600 * 1000;

export interface Submitted {
  request: StoredPrivacyRequest;
  /** True when the Idempotency-Key named an earlier request, which is returned instead. */
  replayed: boolean;
}

/**
 * Privacy requests as ingestion runs them: records each (without the identifier's value), hands
 * it to the identity service through Kafka, and gathers the services' statuses into it.
 */
@Injectable()
export class PrivacyRequestsService {
  private readonly logger = new Logger(PrivacyRequestsService.name);

  constructor(
    private readonly repository: PrivacyRequestsRepository,
    private readonly idempotencyKeys: PrivacyIdempotencyKeysRepository,
    private readonly publisher: PrivacyPublisher,
    private readonly metrics: IngestionMetrics,
    @Inject(INGESTION_CONFIG) private readonly config: IngestionConfig,
  ) {}

  /**
   * Records and publishes the request; if Kafka does not take it, it is not kept either. With an
   * Idempotency-Key used in the last 24 hours, returns that key's request instead.
   */
  async submit(
    input: PrivacyRequestInput,
    { idempotencyKey, now = new Date() }: { idempotencyKey?: string; now?: Date } = {},
  ): Promise<Submitted> {
    const request: StoredPrivacyRequest = {
      id: `prq_${randomBytes(16).toString('base64url')}`,
      type: input.type,
      identifierType: input.identifier.type,
      identifierHash: identifierHash(input.identifier, this.config.privacyHashKey),
      requestedAt: now,
      services: pendingServices(),
    };
    await this.store(request);
    const keyHash = idempotencyKey === undefined ? undefined : this.keyHash(idempotencyKey);
    if (keyHash) {
      const earlier = await this.earlierRequestOf(keyHash, request);
      if (earlier) return { request: earlier, replayed: true };
    }
    try {
      await this.publisher.publishRequest({
        requestId: request.id,
        type: request.type,
        identifier: input.identifier,
        requestedAt: now.getTime(),
      });
    } catch (error) {
      await this.forget(request.id, keyHash);
      throw new PrivacyRequestUnavailableError('kafka', { cause: error });
    }
    return { request, replayed: false };
  }

  async get(id: string): Promise<StoredPrivacyRequest> {
    const request = await this.repository.findById(id);
    if (!request) throw new PrivacyRequestNotFoundError(id);
    return request;
  }

  /** Keeps one service's outcome; records of unknown services or requests are counted and skipped. */
  async recordStatus(status: PrivacyStatus): Promise<void> {
    if (!isPrivacyService(status.service)) {
      this.metrics.privacyStatus('unknown', 'unknown_service');
      this.logger.warn(
        `ignoring a privacy status of request ${status.requestId} from unknown service ${JSON.stringify(status.service)}`,
      );
      return;
    }
    const outcome = await this.repository.recordStatus(status.requestId, status.service, {
      status: status.status,
      detail: status.detail,
      at: new Date(status.at),
    });
    this.metrics.privacyStatus(status.service, outcome);
    if (outcome === 'unknown_request') {
      this.logger.warn(
        `ignoring a privacy status from ${status.service} of unknown request ${status.requestId}`,
      );
    }
  }

  private async store(request: StoredPrivacyRequest): Promise<void> {
    try {
      await this.repository.create(request);
    } catch (error) {
      throw new PrivacyRequestUnavailableError('store', { cause: error });
    }
  }

  /** The request the key already stands for (this one is then dropped), or undefined. */
  private async earlierRequestOf(
    keyHash: string,
    request: StoredPrivacyRequest,
  ): Promise<StoredPrivacyRequest | undefined> {
    const now = request.requestedAt.getTime();
    let holder: StoredPrivacyRequest | null;
    try {
      const holderId = await this.idempotencyKeys.claim(
        keyHash,
        request.id,
        request.requestedAt,
        new Date(now - IDEMPOTENCY_WINDOW_MS),
      );
      if (holderId === request.id) return undefined;
      await this.repository.remove(request.id);
      holder = await this.repository.findById(holderId);
    } catch (error) {
      await this.forget(request.id);
      throw new PrivacyRequestUnavailableError('store', { cause: error });
    }
    // Its request could not be published and is being forgotten: the client's retry decides.
    if (!holder) throw new PrivacyRequestUnavailableError('kafka');
    const same =
      holder.type === request.type &&
      holder.identifierType === request.identifierType &&
      holder.identifierHash === request.identifierHash;
    if (!same) throw new PrivacyIdempotencyConflictError(holder.id);
    return holder;
  }

  private async forget(requestId: string, keyHash?: string): Promise<void> {
    try {
      await this.repository.remove(requestId);
      if (keyHash) await this.idempotencyKeys.release(keyHash, requestId);
    } catch (error) {
      // Left pending: no service will act on it, and it says so by staying pending.
      this.logger.error(
        `privacy request ${requestId} not published and not removed: ${String(error)}`,
      );
    }
  }

  private keyHash(idempotencyKey: string): string {
    return createHmac('sha256', this.config.privacyHashKey)
      .update(`idempotency-key:${idempotencyKey}`)
      .digest('hex');
  }
}
