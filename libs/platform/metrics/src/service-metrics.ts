import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
} from 'prom-client';

/** Buckets (seconds) of the latency histograms: from a store round trip to a slow webhook. */
export const LATENCY_BUCKETS_SECONDS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];

type Unregistered<C> = Omit<C, 'registers'>;

/**
 * The metrics of one service process, served at `/metrics`: one registry holding the Node.js
 * process metrics (prefixed `tessera_<service>_`), the platform's (Kafka, store, HTTP, readiness)
 * and the service's own. Each Nest app has its own, so replicas in one test process stay apart.
 */
export class ServiceMetrics {
  readonly registry = new Registry();

  constructor(readonly service: string) {
    if (!/^[a-z][a-z0-9_]*$/.test(service))
      throw new Error(`service name ${JSON.stringify(service)} cannot prefix a metric name`);
    collectDefaultMetrics({ register: this.registry, prefix: `tessera_${service}_` });
  }

  counter<L extends string = string>(config: Unregistered<CounterConfiguration<L>>): Counter<L> {
    return new Counter<L>({ ...config, registers: [this.registry] });
  }

  gauge<L extends string = string>(config: Unregistered<GaugeConfiguration<L>>): Gauge<L> {
    return new Gauge<L>({ ...config, registers: [this.registry] });
  }

  histogram<L extends string = string>(
    config: Unregistered<HistogramConfiguration<L>>,
  ): Histogram<L> {
    return new Histogram<L>({ ...config, registers: [this.registry] });
  }

  /** Every metric in the Prometheus text format (0.0.4). */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }
}
