import { Body, Controller, Headers, HttpCode, Logger, Param, Post, Req, Res } from '@nestjs/common';
import { EVENT_TYPES, type BatchDefaults } from '@tessera/collection';
import type { EventType, RejectionReason } from '@tessera/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isUnparsed, MalformedJsonBody, type UnparsedBody } from '../http/request-body';
import { UnauthorizedSourceError } from '../sources/source-errors';
import { SourcesService, type AuthenticatedSource } from '../sources/sources.service';
import {
  CollectEventsUseCase,
  type CollectResult,
  type IncomingItem,
} from './collect-events.use-case';
import { IngestUnavailableError } from './ingest-unavailable.error';
import { RateLimitedError, RateLimiter } from './rate-limiter';

type Reply = FastifyReply;

/**
 * The Segment-compatible collection API: `/v1/{track,identify,page,screen,group,alias}` take one
 * call, `/v1/batch` (and `/v1/import`) take `{ batch: [...] }`. Authentication is Segment's:
 * HTTP Basic with the write key as user name, or `writeKey` in a batch body.
 */
@Controller('v1')
export class CollectionController {
  constructor(
    private readonly sources: SourcesService,
    private readonly collect: CollectEventsUseCase,
    private readonly rateLimiter: RateLimiter,
  ) {}

  @Post(['batch', 'import'])
  @HttpCode(200)
  async batch(
    @Body() body: unknown,
    @Headers() headers: Record<string, string | undefined>,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: Reply,
  ) {
    return this.guard(reply, () => this.collectBatch(body, headers, request, reply));
  }

  private async collectBatch(
    body: unknown,
    headers: Record<string, string | undefined>,
    request: FastifyRequest,
    reply: Reply,
  ) {
    const receivedAt = Date.now();
    const auth = await this.authenticate(headers.authorization, writeKeyIn(body), reply);
    if (!auth) return unauthorized();
    if (isUnparsed(body)) return this.refuse(body, auth, receivedAt, reply);
    const batch = (body as { batch?: unknown } | null)?.batch;
    if (!Array.isArray(batch)) {
      return this.refuse(
        new MalformedJsonBody(request.rawBody ?? Buffer.alloc(0), 'the body needs a "batch" array'),
        auth,
        receivedAt,
        reply,
        'invalid_event',
      );
    }
    const { context, integrations, sentAt } = body as BatchDefaults;
    return this.run(
      auth,
      batch.map((json): IncomingItem => ({ json })),
      receivedAt,
      reply,
      headers,
      undefined,
      {
        context,
        integrations,
        sentAt,
      },
    );
  }

  @Post(':call')
  @HttpCode(200)
  async single(
    @Param('call') call: string,
    @Body() body: unknown,
    @Headers() headers: Record<string, string | undefined>,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: Reply,
  ) {
    if (!(EVENT_TYPES as readonly string[]).includes(call)) {
      reply.status(404);
      return { success: false, error: 'not_found', message: `no endpoint /v1/${call}` };
    }
    return this.guard(reply, () =>
      this.collectOne(call as EventType, body, headers, request.rawBody, reply),
    );
  }

  private async collectOne(
    call: EventType,
    body: unknown,
    headers: Record<string, string | undefined>,
    bytes: Buffer | undefined,
    reply: Reply,
  ) {
    const receivedAt = Date.now();
    const auth = await this.authenticate(headers.authorization, undefined, reply);
    if (!auth) return unauthorized();
    if (isUnparsed(body)) return this.refuse(body, auth, receivedAt, reply);
    return this.run(auth, [{ json: body, bytes }], receivedAt, reply, headers, call);
  }

  /** Maps an unavailable dependency or a rate limit to its status, for every route. */
  private async guard<T>(reply: Reply, work: () => Promise<T>) {
    try {
      return await work();
    } catch (error) {
      return failure(error, reply);
    }
  }

  private async run(
    auth: AuthenticatedSource,
    items: IncomingItem[],
    receivedAt: number,
    reply: Reply,
    headers: Record<string, string | undefined>,
    type?: EventType,
    defaults?: BatchDefaults,
  ) {
    this.rateLimiter.check(auth.source, items.length);
    const result = await this.collect.collect({
      auth,
      items,
      channel: 'http',
      receivedAt,
      contentType: headers['content-type'] ?? null,
      type,
      defaults,
    });
    return respond(result, reply);
  }

  private async authenticate(
    authorization: string | undefined,
    bodyKey: string | undefined,
    reply: Reply,
  ) {
    const writeKey = basicUser(authorization) ?? bodyKey;
    if (!writeKey) {
      reply.status(401);
      return undefined;
    }
    try {
      return await this.sources.authenticate(writeKey);
    } catch (error) {
      if (error instanceof UnauthorizedSourceError) {
        reply.status(401);
        return undefined;
      }
      throw error;
    }
  }

  private async refuse(
    body: UnparsedBody,
    auth: AuthenticatedSource,
    receivedAt: number,
    reply: Reply,
    reason?: RejectionReason,
  ) {
    const malformed = body instanceof MalformedJsonBody;
    const rejectionReason = reason ?? (malformed ? 'invalid_json' : 'unsupported_content_type');
    const message = malformed
      ? body.problem
      : `content type ${body.contentType ?? '(none)'} is not supported; send application/json`;
    await this.collect.rejectPayload({
      reason: rejectionReason,
      detail: message,
      sourceId: auth.source.id,
      receivedAt,
      payload: body.bytes,
      contentType: malformed ? 'application/json' : (body.contentType ?? null),
      errors: [{ path: '', message }],
      channel: 'http',
      messageId: null,
    });
    reply.status(400);
    return {
      success: false,
      error: rejectionReason,
      message,
      accepted: 0,
      duplicates: 0,
      rejected: [],
    };
  }
}

function respond(result: CollectResult, reply: Reply) {
  if (result.rejected.length === 0) {
    return { success: true, accepted: result.accepted, duplicates: result.duplicates };
  }
  reply.status(400);
  const first = result.rejected[0];
  return {
    success: false,
    error: first.reason,
    message: `${result.rejected.length} event(s) rejected, ${result.accepted} accepted; first: event ${first.index}: ${first.message}`,
    accepted: result.accepted,
    duplicates: result.duplicates,
    rejected: result.rejected.map(({ index, messageId, reason, message, errors }) => ({
      index,
      messageId,
      reason,
      message,
      errors,
    })),
  };
}

function failure(error: unknown, reply: Reply) {
  if (error instanceof RateLimitedError) {
    reply.status(429).header('retry-after', String(error.retryAfterSeconds));
    return {
      success: false,
      error: 'rate_limited',
      message: error.message,
      retryAfter: error.retryAfterSeconds,
    };
  }
  if (error instanceof IngestUnavailableError) {
    new Logger(CollectionController.name).warn(
      `answering 503: ${error.message} (${String(error.cause)})`,
    );
    reply.status(503).header('retry-after', '5');
    return { success: false, error: 'unavailable', message: error.message };
  }
  throw error;
}

function unauthorized() {
  return {
    success: false,
    error: 'unauthorized',
    message: 'unknown, expired or disabled write key',
  };
}

/** Segment's scheme: `Authorization: Basic base64(writeKey + ':')`. */
function basicUser(authorization: string | undefined): string | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(authorization ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const user = decoded.split(':')[0];
  return user || undefined;
}

function writeKeyIn(body: unknown): string | undefined {
  const key = (body as { writeKey?: unknown } | null)?.writeKey;
  return typeof key === 'string' && key !== '' ? key : undefined;
}
