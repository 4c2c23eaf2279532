import { Module, type DynamicModule, type InjectionToken } from '@nestjs/common';
import { HealthController } from './health.controller';
import { ReadinessMetrics } from './readiness-metrics';
import { READINESS_PROBES, type ReadinessProbe } from './readiness-probe';

@Module({})
export class HealthModule {
  /** `probes` are provider tokens resolving to ReadinessProbe instances. */
  static register(options: { imports: DynamicModule[]; probes: InjectionToken[] }): DynamicModule {
    return {
      module: HealthModule,
      imports: options.imports,
      controllers: [HealthController],
      providers: [
        {
          provide: READINESS_PROBES,
          useFactory: (...probes: ReadinessProbe[]) => probes,
          inject: options.probes,
        },
        ReadinessMetrics,
      ],
    };
  }
}
