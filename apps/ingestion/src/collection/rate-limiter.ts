import { Inject, Injectable } from '@nestjs/common';
import { TokenBucket } from '@tessera/collection';
import { INGESTION_CONFIG } from '../config/ingestion-config.token';
import type { IngestionConfig } from '../config/ingestion.config';
import { ReplicaRegistry } from '../replicas/replica-registry';
import type { Source } from '../sources/source';

export class RateLimitedError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super(`rate limit exceeded; retry after ${retryAfterSeconds} s`);
    this.name = 'RateLimitedError';
  }
}

/**
 * Per-source event rate limit of the service (a source's own limit, else the configured default;
 * off when neither is set). Each of the N live replicas (see ReplicaRegistry) holds 1/N of the
 * rate and of the burst, so behind a balancer that spreads requests evenly the source gets its
 * limit in total.
 */
@Injectable()
export class RateLimiter {
  private readonly buckets = new Map<
    string,
    { version: number; replicas: number; bucket: TokenBucket }
  >();

  constructor(
    @Inject(INGESTION_CONFIG) private readonly config: IngestionConfig,
    private readonly replicas: ReplicaRegistry,
  ) {}

  /** Throws RateLimitedError when the source may not send `events` more events now. */
  check(source: Source, events: number, now = Date.now()): void {
    const limit = source.rateLimit ?? this.config.rateLimit;
    if (limit.eventsPerSecond <= 0) return;
    const replicas = this.replicas.count();
    let entry = this.buckets.get(source.id);
    if (!entry || entry.version !== source.version || entry.replicas !== replicas) {
      const burst = limit.burst > 0 ? limit.burst : limit.eventsPerSecond;
      entry = {
        version: source.version,
        replicas,
        bucket: new TokenBucket(limit.eventsPerSecond / replicas, burst / replicas, now),
      };
      this.buckets.set(source.id, entry);
    }
    const decision = entry.bucket.take(events, now);
    if (!decision.granted)
      throw new RateLimitedError(Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
  }
}
