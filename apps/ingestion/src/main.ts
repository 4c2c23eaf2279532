import './instrument';
import { runService } from '@tessera/platform-service';
import { AppModule } from './app.module';
import { loadIngestionConfig } from './config/ingestion.config';

runService({
  name: 'ingestion',
  loadConfig: loadIngestionConfig,
  module: (config, logger) => AppModule.register(config, logger),
});
