import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MalformedJsonBody, UnsupportedContentTypeBody } from './request-body';

export const JSON_CONTENT_TYPES = ['application/json', 'text/plain'];

declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: Buffer;
  }
}

/**
 * Body parsing of the ingestion API. JSON is parsed here, but a body that is not JSON, or of
 * another content type, is handed to the route as a marker with its bytes instead of failing in
 * Fastify, so the route can answer 400 with its own JSON and record the payload as rejected.
 * (`text/plain` is accepted as JSON because browser SDKs send it to avoid CORS preflights.)
 */
export function configureHttp(fastify: FastifyInstance, maxRequestBytes: number): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    JSON_CONTENT_TYPES,
    { parseAs: 'buffer', bodyLimit: maxRequestBytes },
    (
      request: FastifyRequest,
      body: Buffer,
      done: (error: Error | null, value?: unknown) => void,
    ) => {
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
