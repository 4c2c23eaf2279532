import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ACTIVATION_CONFIG } from '../config/activation-config.token';
import type { ActivationConfig } from '../config/activation.config';
import { DeliveryRepository } from './delivery.repository';

/**
 * Keeps delivered messages (their bodies hold profile data) and the delivery log for
 * DELIVERY_RETENTION_DAYS: every replica sweeps what is older each DELIVERY_RETENTION_SWEEP_MS (the
 * store has no TTL indexes everywhere: FerretDB v1 lacks them). Failed messages stay until they
 * are replayed or their subscription is deleted.
 */
@Injectable()
export class DeliveryRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DeliveryRetention.name);
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deliveries: DeliveryRepository,
    @Inject(ACTIVATION_CONFIG) private readonly config: ActivationConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(
      () =>
        void this.sweep().catch((error: unknown) =>
          this.logger.warn(`old deliveries not removed; will retry: ${String(error)}`),
        ),
      this.config.dispatch.retentionSweepMs,
    );
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async sweep(now = Date.now()): Promise<{ messages: number; attempts: number }> {
    const removed = await this.deliveries.removeSettledBefore(
      now - this.config.dispatch.retentionMs,
    );
    if (removed.messages + removed.attempts > 0)
      this.logger.log(
        `removed ${removed.messages} delivered messages and ${removed.attempts} log entries past retention`,
      );
    return removed;
  }
}
