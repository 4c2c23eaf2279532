import { ServiceMetrics } from '@tessera/platform-metrics';
import { PrometheusScrape } from '@tessera/testing';
import { DeliveryMetrics } from './delivery-metrics';

describe('DeliveryMetrics', () => {
  const metrics = new ServiceMetrics('activation');
  const delivery = new DeliveryMetrics(metrics);
  const response = (status: number) => ({ kind: 'response', status, latencyMs: 120 }) as const;

  beforeAll(() => {
    delivery.attempted('crm', response(204), 'delivered');
    delivery.attempted('crm', response(503), 'retry');
    delivery.attempted(
      'crm',
      { kind: 'failed', reason: 'timed out after 2000 ms', timedOut: true, latencyMs: 2000 },
      'retry',
    );
    delivery.attempted('crm', response(503), 'failed');
    delivery.attempted('crm', response(410), 'gone');
    delivery.attempted(
      'ads',
      { kind: 'refused', reason: 'private address', latencyMs: 1 },
      'failed',
    );
    delivery.routed('crm', 'webhook');
    delivery.routed('stream', 'kafka');
  });

  const scrape = async () => PrometheusScrape.parse(await metrics.scrape());

  it('counts attempts per subscription by outcome', async () => {
    const after = await scrape();
    const attempts = (subscription: string, outcome: string) =>
      after.sum('tessera_activation_delivery_attempts_total', { subscription, outcome });
    expect(attempts('crm', 'delivered')).toBe(1);
    expect(attempts('crm', 'failed-retryable')).toBe(1);
    expect(attempts('crm', 'timeout')).toBe(1);
    expect(attempts('crm', 'failed-permanent')).toBe(2);
    expect(attempts('ads', 'failed-permanent')).toBe(1);
  });

  it('counts a dead letter for each message that failed for good, 410 included', async () => {
    const after = await scrape();
    expect(after.sum('tessera_activation_dead_letters_total', { subscription: 'crm' })).toBe(2);
    expect(after.sum('tessera_activation_dead_letters_total', { subscription: 'ads' })).toBe(1);
  });

  it('times every attempt per subscription, and counts routed messages per target', async () => {
    const after = await scrape();
    expect(
      after.sum('tessera_activation_delivery_duration_seconds_count', { subscription: 'crm' }),
    ).toBe(5);
    expect(
      after.sum('tessera_activation_messages_routed_total', {
        subscription: 'stream',
        target: 'kafka',
      }),
    ).toBe(1);
  });
});
