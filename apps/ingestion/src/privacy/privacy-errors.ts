/** No privacy request with this id. */
export class PrivacyRequestNotFoundError extends Error {
  constructor(readonly requestId: string) {
    super(`no privacy request ${requestId}`);
    this.name = 'PrivacyRequestNotFoundError';
  }
}

/** The store or Kafka did not take the request: nothing was recorded, the client retries. */
export class PrivacyRequestUnavailableError extends Error {
  constructor(
    readonly dependency: 'kafka' | 'store',
    options?: { cause?: unknown },
  ) {
    super(
      dependency === 'kafka'
        ? 'Kafka did not acknowledge the privacy request; nothing was recorded, retry later'
        : 'the store is unavailable; the privacy request was not recorded, retry later',
      options,
    );
    this.name = 'PrivacyRequestUnavailableError';
  }
}

/** An Idempotency-Key already used for a different request. */
export class PrivacyIdempotencyConflictError extends Error {
  constructor(readonly requestId: string) {
    super(
      `this Idempotency-Key was used within 24 hours for request ${requestId}, of another type or identifier; use a new key`,
    );
    this.name = 'PrivacyIdempotencyConflictError';
  }
}
