import { ServiceMetrics } from '@tessera/platform-metrics';
import { PrometheusScrape } from '@tessera/testing';
import Fastify from 'fastify';
import { HttpMetrics } from './http-metrics';

describe('HttpMetrics', () => {
  it('times responses by route template and status, leaving out scrapes and probes', async () => {
    const metrics = new ServiceMetrics('ingestion');
    const fastify = Fastify();
    new HttpMetrics(metrics).instrument(fastify);
    fastify.get('/v1/sources/:id', async () => ({ ok: true }));
    fastify.get('/health/live', async () => ({ status: 'ok' }));
    fastify.get('/metrics', async () => '');
    try {
      for (const url of ['/v1/sources/a', '/v1/sources/b', '/nowhere', '/health/live', '/metrics'])
        await fastify.inject({ url });
    } finally {
      await fastify.close();
    }

    const scrape = PrometheusScrape.parse(await metrics.scrape());
    const count = 'tessera_http_request_duration_seconds_count';
    expect(scrape.sum(count, { method: 'GET', route: '/v1/sources/:id', status_code: '200' })).toBe(
      2,
    );
    expect(scrape.sum(count, { route: 'unmatched', status_code: '404' })).toBe(1);
    expect(scrape.sum(count)).toBe(3);
  });
});
