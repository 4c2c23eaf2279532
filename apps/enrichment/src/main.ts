import './instrument';
import { KafkaBatchServer } from '@tessera/platform-kafka';
import { runService } from '@tessera/platform-service';
import { AppModule } from './app.module';
import { loadEnrichmentConfig } from './config/enrichment.config';

runService({
  name: 'enrichment',
  loadConfig: loadEnrichmentConfig,
  module: (config, logger) => AppModule.register(config, logger),
  transport: KafkaBatchServer,
});
