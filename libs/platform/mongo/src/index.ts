export { MongoModule } from './mongo.module';
export type { MongoOptions } from './mongo.module';
export { MongoReadiness } from './mongo-readiness';
