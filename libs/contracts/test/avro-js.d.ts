/**
 * The part of avro-js (Apache Avro's JavaScript implementation) the interop test uses; it ships no
 * types. Its main entry needs `underscore`, which it does not declare, so the test loads the
 * schemas module directly.
 */
declare module 'avro-js/lib/schemas' {
  interface AvroJsType {
    fromBuffer(bytes: Buffer): unknown;
    toBuffer(value: unknown): Buffer;
    fromString(json: string): unknown;
    toString(value?: unknown): string;
    getSchema(): string;
  }

  export function createType(schema: unknown): AvroJsType;
}
