import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { ACTIVATION_CONFIG } from '../config/activation-config.token';
import type { ActivationConfig } from '../config/activation.config';
import type { Subscription } from './subscription';
import { SubscriptionRepository } from './subscription.repository';

/**
 * The subscriptions this replica routes and delivers with, re-read every SUBSCRIPTIONS_REFRESH_MS
 * (and at once after a change made through this replica): a subscription created on another
 * replica receives the changes this one reads from then on.
 */
@Injectable()
export class SubscriptionRegistry implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(SubscriptionRegistry.name);
  private byId = new Map<string, Subscription>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly repository: SubscriptionRepository,
    @Inject(ACTIVATION_CONFIG) private readonly config: ActivationConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(
      () =>
        void this.refresh().catch((error: unknown) =>
          this.logger.warn(`subscriptions not refreshed; will retry: ${String(error)}`),
        ),
      this.config.subscriptionsRefreshMs,
    );
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async refresh(): Promise<void> {
    const subscriptions = await this.repository.list();
    this.byId = new Map(subscriptions.map((subscription) => [subscription.id, subscription]));
  }

  all(): Subscription[] {
    return [...this.byId.values()];
  }

  get(id: string): Subscription | undefined {
    return this.byId.get(id);
  }
}
