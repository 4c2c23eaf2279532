export { MongoModule } from './mongo.module';
export type { MongoOptions } from './mongo.module';
export { MongoReadiness } from './mongo-readiness';
export { InsertBatcher, insertReportingDuplicates } from './insert-batcher';
export type { InsertBatcherOptions, InsertTarget } from './insert-batcher';
