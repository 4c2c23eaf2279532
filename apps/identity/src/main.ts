import './instrument';
import { KafkaBatchServer } from '@tessera/platform-kafka';
import { runService } from '@tessera/platform-service';
import { AppModule } from './app.module';
import { loadIdentityConfig } from './config/identity.config';

runService({
  name: 'identity',
  loadConfig: loadIdentityConfig,
  module: (config, logger) => AppModule.register(config, logger),
  transport: KafkaBatchServer,
});
