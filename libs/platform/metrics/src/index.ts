export { MetricsModule } from './metrics.module';
export { LATENCY_BUCKETS_SECONDS, ServiceMetrics } from './service-metrics';
