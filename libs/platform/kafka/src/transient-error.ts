/**
 * An error that says "the infrastructure is unavailable", not "this message is bad". A batch that
 * fails with one is retried until the dependency is back, without dead-lettering good messages.
 */
export class TransientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientError';
  }
}

const TRANSIENT_NAMES = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoPoolClearedError',
  'KafkaJSConnectionError',
  // The broker closing its connections as it stops (a restart).
  'KafkaJSConnectionClosedError',
  // No broker could name the group's coordinator: the broker is restarting or just started.
  'KafkaJSGroupCoordinatorNotFound',
  'KafkaJSRequestTimeoutError',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSNotImplemented',
  'KafkaJSLockTimeout',
  'KafkaJSBrokerNotFound',
  'KafkaJSProtocolError',
]);

export function isTransientError(error: unknown): boolean {
  if (error instanceof TransientError) return true;
  if (!(error instanceof Error)) return false;
  if (TRANSIENT_NAMES.has(error.name)) return true;
  // mongoose buffers operations while disconnected and fails them with a plain Error of this form.
  if (/buffering timed out/i.test(error.message)) return true;
  // The store driver wraps what interrupted a bulk write (insertMany too) in a MongoBulkWriteError
  // and keeps it as `errorResponse`; other wrappers keep theirs as `cause`.
  const { cause, errorResponse } = error as { cause?: unknown; errorResponse?: unknown };
  return [cause, errorResponse].some(
    (inner) => inner instanceof Error && inner !== error && isTransientError(inner),
  );
}
