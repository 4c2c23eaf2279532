import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { PrometheusScrape } from '@tessera/testing';
import { MetricsModule } from './metrics.module';
import { ServiceMetrics } from './service-metrics';

describe('GET /metrics', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    const module = await Test.createTestingModule({
      imports: [MetricsModule.forRoot('ingestion')],
    }).compile();
    app = module.createNestApplication<NestFastifyApplication>(new FastifyAdapter());
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(() => app.close());

  it("serves the module's registry in the Prometheus text format", async () => {
    app
      .get(ServiceMetrics)
      .counter({ name: 'tessera_ingestion_test_total', help: 'a test counter' })
      .inc();
    const response = await app.getHttpAdapter().getInstance().inject({ url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const scrape = PrometheusScrape.parse(response.body);
    expect(scrape.sum('tessera_ingestion_test_total')).toBe(1);
    expect(scrape.find('tessera_ingestion_nodejs_heap_size_total_bytes')).toHaveLength(1);
  });
});
