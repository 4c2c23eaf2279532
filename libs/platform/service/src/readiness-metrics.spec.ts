import { ServiceMetrics } from '@tessera/platform-metrics';
import { PrometheusScrape } from '@tessera/testing';
import { ReadinessMetrics } from './readiness-metrics';

describe('ReadinessMetrics', () => {
  it('checks every probe when scraped: 1 for up, 0 for down', async () => {
    const metrics = new ServiceMetrics('activation');
    let mongoUp = true;
    new ReadinessMetrics(
      [
        { name: 'kafka', check: async () => undefined },
        {
          name: 'mongo',
          check: async () => {
            if (!mongoUp) throw new Error('connection refused');
          },
        },
      ],
      metrics,
    );
    const up = PrometheusScrape.parse(await metrics.scrape());
    expect(up.sum('tessera_dependency_up', { dependency: 'kafka' })).toBe(1);
    expect(up.sum('tessera_dependency_up', { dependency: 'mongo' })).toBe(1);

    mongoUp = false;
    const down = PrometheusScrape.parse(await metrics.scrape());
    expect(down.sum('tessera_dependency_up', { dependency: 'kafka' })).toBe(1);
    expect(down.sum('tessera_dependency_up', { dependency: 'mongo' })).toBe(0);
  });
});
