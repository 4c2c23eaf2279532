export { anEvent } from './event-factory';
export { eventually } from './eventually';
export { provideInfrastructure } from './infrastructure';
export type { InfrastructureEndpoints } from './infrastructure';
export { TestRun } from './test-run';
export { freePort } from './free-port';
export { exitOf, startService, waitForReady } from './service-process';
export type { StartedService } from './service-process';
