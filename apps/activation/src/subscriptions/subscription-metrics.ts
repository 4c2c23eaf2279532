import { Injectable } from '@nestjs/common';
import { ServiceMetrics } from '@tessera/platform-metrics';
import { SubscriptionRegistry } from './subscription-registry';

/** Each subscription's status as this replica last read it, so a disabled one can raise an alert. */
@Injectable()
export class SubscriptionMetrics {
  constructor(metrics: ServiceMetrics, registry: SubscriptionRegistry) {
    metrics.gauge({
      name: 'tessera_activation_subscription_status',
      help: "1 for each subscription's current status (active, paused, disabled) and target type (webhook, kafka), as read by this replica (every SUBSCRIPTIONS_REFRESH_MS)",
      labelNames: ['subscription', 'status', 'target'],
      collect() {
        this.reset();
        for (const subscription of registry.all())
          this.set(
            {
              subscription: subscription.id,
              status: subscription.status,
              target: subscription.target.type,
            },
            1,
          );
      },
    });
  }
}
