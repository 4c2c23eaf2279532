export { BatchInterruptedError, BatchProcessor } from './batch-processor';
export type { BatchProcessorOptions, DeadLetterReason, ParkedMessage } from './batch-processor';
export type {
  BatchHandler,
  ConsumedMessage,
  HandlerOutcome,
  InboundMessage,
  RejectedMessage,
} from './consumed-message';
export { createKafka } from './create-kafka';
export type { KafkaConnectionOptions } from './create-kafka';
export { DEAD_LETTER_REASON_HEADER, DeadLetterPublisher } from './dead-letter-publisher';
export { ensureTopics } from './ensure-topics';
export type { TopicSpec } from './ensure-topics';
export { KafkaBatchConsumer } from './kafka-batch-consumer';
export type { KafkaBatchConsumerOptions, TopicSubscription } from './kafka-batch-consumer';
export { KafkaBatchServer } from './kafka-batch-server';
export type { KafkaBatchServerOptions, KafkaPatternExtras } from './kafka-batch-server';
export { chunksOf, KafkaPublisher, MAX_REQUEST_BYTES, sizeOf } from './kafka-publisher';
export type { OutboundRecord } from './kafka-publisher';
export { KafkaReadiness } from './kafka-readiness';
export { PrivacyStatusPublisher } from './privacy-status-publisher';
export { RethrowRpcExceptionsFilter } from './rethrow-rpc-exceptions.filter';
export {
  contextFromTraceparent,
  extractTraceContext,
  injectTraceContext,
  startConsumerSpan,
  traceparentOf,
  tracesByMessageId,
  type ConsumerSpan,
} from './trace-context';
export { isTransientError, TransientError } from './transient-error';
export { KAFKA, KafkaPlatformModule, KafkaReadinessProbe } from './kafka-platform.module';
export type { KafkaPlatformOptions } from './kafka-platform.module';
