import './instrument';
import { KafkaBatchServer } from '@tessera/platform-kafka';
import { runService } from '@tessera/platform-service';
import { AppModule } from './app.module';
import { loadActivationConfig } from './config/activation.config';

runService({
  name: 'activation',
  loadConfig: loadActivationConfig,
  module: (config, logger) => AppModule.register(config, logger),
  transport: KafkaBatchServer,
});
