import {
  Catch,
  HttpException,
  HttpStatus,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { throwError, type Observable } from 'rxjs';

/**
 * Every HTTP error of the ingestion API as `{ success: false, error, message }`. Bad input is a
 * 400, as the Segment API answers it: a body over the limit (Fastify's 413) and a body Fastify
 * could not read become 400s with a reason a client can act on.
 */
@Catch(HttpException)
export class HttpErrorsFilter implements ExceptionFilter<HttpException> {
  catch(exception: HttpException, host: ArgumentsHost): Observable<never> | void {
    if (host.getType() !== 'http') return throwError(() => exception);
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const status = exception.getStatus() as HttpStatus;
    const [code, error] = classify(status);
    const response = exception.getResponse();
    const body =
      typeof response === 'object' &&
      response !== null &&
      'error' in response &&
      isCode(response.error)
        ? { success: false, ...response }
        : { success: false, error, message: exception.message };
    void reply.status(code).send(body);
  }
}

/** Our own error codes are snake_case; Nest's defaults ("Not Found") are replaced. */
function isCode(value: unknown): boolean {
  return typeof value === 'string' && /^[a-z_]+$/.test(value);
}

function classify(status: HttpStatus): [number, string] {
  if (status === HttpStatus.PAYLOAD_TOO_LARGE) return [HttpStatus.BAD_REQUEST, 'payload_too_large'];
  if (status === HttpStatus.UNSUPPORTED_MEDIA_TYPE)
    return [HttpStatus.BAD_REQUEST, 'unsupported_content_type'];
  if (status === HttpStatus.NOT_FOUND) return [status, 'not_found'];
  if (status === HttpStatus.UNAUTHORIZED) return [status, 'unauthorized'];
  if (Number(status) >= 400 && Number(status) < 500) return [status, 'invalid_request'];
  return [status, 'internal_error'];
}
