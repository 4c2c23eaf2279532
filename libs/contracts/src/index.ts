export {
  TOMBSTONE_HEADERS,
  TOPICS,
  TOPIC_CONFIGS,
  deadLetterTopicFor,
  type TopicName,
} from './topics';
export { InvalidTopicNameError } from './invalid-topic-name-error';
export { eventKeyOf } from './event-key';

export * from './generated/schema-types';
export { SCHEMAS, RELEASED_SCHEMAS } from './schemas/contract-schemas';
export type * from './schemas/avro-schema';
export {
  findNonJson,
  isJsonObject,
  type JsonObject,
  type JsonValue,
  type NonJsonValue,
} from './json-value';

export {
  AvroCodec,
  type AvroCodecOptions,
  type DecodedRecord,
  type ValidationResult,
} from './codec/avro-codec';
export { CodecError, type CodecErrorReason } from './codec/codec-error';
export { CorruptRecordError } from './codec/corrupt-record-error';
export { EncodeError } from './codec/encode-error';
export { SchemaMismatchError } from './codec/schema-mismatch-error';
export { UnknownSchemaError } from './codec/unknown-schema-error';
export { crc64Avro, CRC64_AVRO_EMPTY } from './codec/crc64-avro';

export {
  checkBackwardCompatibility,
  type CompatibilityProblem,
} from './compatibility/check-compatibility';
export { TopicNames } from './topic-names';
