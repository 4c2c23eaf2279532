import { Module, type DynamicModule } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { ADMIN_TOKEN, AdminTokenGuard } from '@tessera/platform-service';
import { ACTIVATION_CONFIG } from './config/activation-config.token';
import type { ActivationConfig } from './config/activation.config';
import {
  ATTEMPT_MODEL,
  AttemptSchema,
  ERASURE_MODEL,
  ErasureSchema,
  LANE_MODEL,
  LaneSchema,
  MESSAGE_MODEL,
  MessageSchema,
  SUBSCRIPTION_MODEL,
  SubscriptionSchema,
} from './delivery/activation-store.schema';
import { DeliveryMetrics } from './delivery/delivery-metrics';
import { DeliveryRetention } from './delivery/delivery-retention';
import { DeliveryRepository } from './delivery/delivery.repository';
import { WebhookDispatcher } from './delivery/webhook-dispatcher';
import { EraseDeliveriesUseCase } from './privacy/erase-deliveries.use-case';
import { ErasureRepository } from './privacy/erasure.repository';
import { PrivacyResolutionsConsumer } from './privacy/privacy-resolutions.consumer';
import { KafkaTargetWriter } from './routing/kafka-target-writer';
import { ProfileChangesConsumer } from './routing/profile-changes.consumer';
import { RouteChangesUseCase } from './routing/route-changes.use-case';
import { SubscriptionMetrics } from './subscriptions/subscription-metrics';
import { SubscriptionRegistry } from './subscriptions/subscription-registry';
import { SubscriptionRepository } from './subscriptions/subscription.repository';
import { SubscriptionsController } from './subscriptions/subscriptions.controller';
import { SubscriptionsService } from './subscriptions/subscriptions.service';

/**
 * Subscriptions to profile changes: routed from the profiles and audiences topics to Kafka
 * targets and, through the outbox and the dispatcher, to signed webhooks. Privacy requests that
 * delete a profile remove what the outbox holds of it.
 */
@Module({})
export class ActivationModule {
  static register(config: ActivationConfig): DynamicModule {
    return {
      module: ActivationModule,
      imports: [
        MongooseModule.forFeature([
          { name: SUBSCRIPTION_MODEL, schema: SubscriptionSchema },
          { name: MESSAGE_MODEL, schema: MessageSchema },
          { name: LANE_MODEL, schema: LaneSchema },
          { name: ATTEMPT_MODEL, schema: AttemptSchema },
          { name: ERASURE_MODEL, schema: ErasureSchema },
        ]),
      ],
      controllers: [ProfileChangesConsumer, PrivacyResolutionsConsumer, SubscriptionsController],
      providers: [
        { provide: ACTIVATION_CONFIG, useValue: config },
        { provide: ADMIN_TOKEN, useValue: config.adminToken },
        AdminTokenGuard,
        SubscriptionRepository,
        SubscriptionRegistry,
        SubscriptionMetrics,
        SubscriptionsService,
        DeliveryRepository,
        DeliveryRetention,
        DeliveryMetrics,
        WebhookDispatcher,
        KafkaTargetWriter,
        RouteChangesUseCase,
        ErasureRepository,
        EraseDeliveriesUseCase,
      ],
    };
  }
}
