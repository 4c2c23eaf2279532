import { TransientError } from '@tessera/platform-kafka';

/**
 * Kafka or the store did not answer in time: nothing of the request was accepted; the client
 * retries (HTTP 503), and a consumer retries the batch without committing (it is transient).
 */
export class IngestUnavailableError extends TransientError {
  constructor(
    readonly dependency: 'kafka' | 'store',
    options?: { cause?: unknown },
  ) {
    super(
      dependency === 'kafka'
        ? 'Kafka did not acknowledge the events; nothing was accepted, retry later'
        : 'the store is unavailable; nothing was accepted, retry later',
      options,
    );
    this.name = 'IngestUnavailableError';
  }
}
