import { Injectable } from '@nestjs/common';
import { LATENCY_BUCKETS_SECONDS, ServiceMetrics } from '@tessera/platform-metrics';
import type { FastifyInstance } from 'fastify';
import type { Histogram } from 'prom-client';

/** Scrapes and probes are not the API: they would only drown its latency. */
const UNMEASURED = /^\/(metrics|health)(\/|$)/;

/** Latency of the service's HTTP API by route template (never the path itself) and status. */
@Injectable()
export class HttpMetrics {
  private readonly duration: Histogram<'method' | 'route' | 'status_code'>;

  constructor(metrics: ServiceMetrics) {
    this.duration = metrics.histogram({
      name: 'tessera_http_request_duration_seconds',
      help: 'Time from an HTTP request to the end of its response, by method, route template (unmatched for a path no route serves) and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: LATENCY_BUCKETS_SECONDS,
    });
  }

  /** Times every response of the Fastify instance; call before its routes are registered. */
  instrument(fastify: FastifyInstance): void {
    fastify.addHook('onResponse', (request, reply, done) => {
      const route = request.routeOptions.url ?? 'unmatched';
      if (!UNMEASURED.test(route))
        this.duration.observe(
          { method: request.method, route, status_code: String(reply.statusCode) },
          reply.elapsedTime / 1000,
        );
      done();
    });
  }
}
