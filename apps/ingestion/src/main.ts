import './instrument';
import { KafkaBatchServer } from '@tessera/platform-kafka';
import { runService } from '@tessera/platform-service';
import { AppModule } from './app.module';
import { loadIngestionConfig } from './config/ingestion.config';
import { configureHttp } from './http/configure-http';
import { HttpErrorsFilter } from './http/http-errors.filter';

runService({
  name: 'ingestion',
  loadConfig: loadIngestionConfig,
  module: (config, logger) => AppModule.register(config, logger),
  transport: KafkaBatchServer,
  configureHttp: (fastify, config) => configureHttp(fastify, config.limits.maxRequestBytes),
  httpFilters: [new HttpErrorsFilter()],
});
