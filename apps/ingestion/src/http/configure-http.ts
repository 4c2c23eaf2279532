import type { FastifyInstance, FastifyRequest } from 'fastify';
import { gunzipSync, inflateSync } from 'node:zlib';
import { MalformedJsonBody, UnsupportedContentTypeBody } from './request-body';

/**
 * Read as JSON: `text/plain` because browser SDKs send it to avoid CORS preflights, and
 * `application/x-www-form-urlencoded` because RudderStack's Node SDK labels its gzipped JSON so.
 */
const JSON_CONTENT_TYPES = ['application/json', 'text/plain', 'application/x-www-form-urlencoded'];

declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: Buffer;
  }
}

/**
 * Body parsing of the ingestion API. JSON is parsed here, but a body that is not JSON, or of
 * another content type, is handed to the route as a marker with its bytes instead of failing in
 * Fastify, so the route can answer 400 with its own JSON and record the payload as rejected.
 */
export function configureHttp(fastify: FastifyInstance, maxRequestBytes: number): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    JSON_CONTENT_TYPES,
    { parseAs: 'buffer', bodyLimit: maxRequestBytes },
    (
      request: FastifyRequest,
      received: Buffer,
      done: (error: Error | null, value?: unknown) => void,
    ) => {
      const body = decode(received, request.headers['content-encoding'], maxRequestBytes);
      if (body instanceof MalformedJsonBody) return done(null, body);
      request.rawBody = body;
      if (body.length === 0)
        return done(null, new MalformedJsonBody(body, 'the request body is empty'));
      try {
        done(null, JSON.parse(body.toString('utf8')) as unknown);
      } catch (error) {
        done(
          null,
          new MalformedJsonBody(
            body,
            `the request body is not valid JSON: ${(error as Error).message}`,
          ),
        );
      }
    },
  );
  fastify.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: maxRequestBytes },
    (
      request: FastifyRequest,
      body: Buffer,
      done: (error: Error | null, value?: unknown) => void,
    ) => {
      request.rawBody = body;
      done(null, new UnsupportedContentTypeBody(body, request.headers['content-type']));
    },
  );
}

/**
 * Bodies compressed with gzip or deflate (the RudderStack SDKs gzip by default) are inflated with
 * the request limit applied to the inflated size, so a small compressed bomb cannot get past it.
 */
function decode(
  body: Buffer,
  encoding: string | undefined,
  limit: number,
): Buffer | MalformedJsonBody {
  const coding = (encoding ?? 'identity').trim().toLowerCase();
  if (coding === 'identity' || coding === '') return body;
  const inflate =
    coding === 'gzip' || coding === 'x-gzip'
      ? gunzipSync
      : coding === 'deflate'
        ? inflateSync
        : undefined;
  if (!inflate)
    return new MalformedJsonBody(
      body,
      `content encoding ${coding} is not supported; send gzip, deflate or none`,
    );
  try {
    return inflate(body, { maxOutputLength: limit });
  } catch (error) {
    const tooLarge =
      (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError;
    return new MalformedJsonBody(
      body,
      tooLarge
        ? `the request body inflates to more than the ${limit}-byte limit`
        : `the ${coding} body cannot be inflated: ${(error as Error).message}`,
    );
  }
}
