import { Catch, type ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { throwError, type Observable } from 'rxjs';

/**
 * Nest's default RPC filter replaces unknown errors with a generic object, which would hide from
 * the consumer whether a failure is transient and why a message was dead-lettered. This filter
 * hands Kafka handlers' errors back untouched and leaves HTTP errors to Nest's default handling.
 */
@Catch()
export class RethrowRpcExceptionsFilter extends BaseExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): Observable<never> | void {
    if (host.getType() === 'rpc') return throwError(() => exception);
    super.catch(exception, host);
  }
}
