import { PrometheusScrape } from '@tessera/testing';
import { ServiceMetrics } from './service-metrics';

describe('ServiceMetrics', () => {
  it('serves the Node.js process metrics prefixed with the service name', async () => {
    const scrape = PrometheusScrape.parse(await new ServiceMetrics('identity').scrape());
    expect(scrape.find('tessera_identity_process_cpu_user_seconds_total')).toHaveLength(1);
    expect(scrape.find('tessera_identity_nodejs_heap_size_used_bytes')).toHaveLength(1);
  });

  it('keeps each service instance apart, so replicas in one process do not collide', async () => {
    const one = new ServiceMetrics('activation');
    const two = new ServiceMetrics('activation');
    one.counter({ name: 'tessera_test_total', help: 'a test counter' }).inc(2);
    two.counter({ name: 'tessera_test_total', help: 'a test counter' }).inc(5);
    expect(PrometheusScrape.parse(await one.scrape()).sum('tessera_test_total')).toBe(2);
    expect(PrometheusScrape.parse(await two.scrape()).sum('tessera_test_total')).toBe(5);
  });

  it('serves gauges and histograms registered on it', async () => {
    const metrics = new ServiceMetrics('enrichment');
    metrics
      .gauge({ name: 'tessera_test_level', help: 'a gauge', labelNames: ['k'] })
      .set({ k: 'a' }, 3);
    metrics
      .histogram({ name: 'tessera_test_seconds', help: 'a histogram', buckets: [0.1, 1] })
      .observe(0.5);
    const scrape = PrometheusScrape.parse(await metrics.scrape());
    expect(scrape.sum('tessera_test_level', { k: 'a' })).toBe(3);
    expect(scrape.sum('tessera_test_seconds_bucket', { le: '0.1' })).toBe(0);
    expect(scrape.sum('tessera_test_seconds_bucket', { le: '1' })).toBe(1);
    expect(scrape.sum('tessera_test_seconds_count')).toBe(1);
  });

  it('refuses a service name that cannot start a metric name', () => {
    expect(() => new ServiceMetrics('my-service')).toThrow(/cannot prefix a metric name/);
  });
});
