import { isTransientError } from '@tessera/platform-kafka';
import type { Logger } from 'pino';

export interface RetryWhileUnreachableOptions {
  /** Give up (rethrow) once this long has passed since the first try; 0: try once. */
  timeoutMs: number;
  logger: Logger;
  /** First pause between tries, doubled up to `maxDelayMs`. */
  delayMs?: number;
  maxDelayMs?: number;
}

/**
 * Runs a service's start until it succeeds, while Kafka or the store cannot be reached: a replica
 * started during a broker or store restart waits for it instead of exiting. An error that is not
 * about reaching a dependency (a bad setting, a refused topic, a port in use) is thrown at once,
 * and so is the last one after `timeoutMs`.
 */
export async function retryWhileUnreachable<T>(
  step: () => Promise<T>,
  options: RetryWhileUnreachableOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let delay = options.delayMs ?? 500;
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      if (!isTransientError(error) || Date.now() + delay > deadline) throw error;
      options.logger.warn(
        { attempt, retryInMs: delay, err: error },
        'a dependency is unreachable at start-up; starting again',
      );
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, options.maxDelayMs ?? 5_000);
    }
  }
}
