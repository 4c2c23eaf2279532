import {
  Body,
  Catch,
  Controller,
  Get,
  Headers,
  HttpCode,
  Inject,
  Logger,
  Param,
  Post,
  Res,
  UseFilters,
  UseGuards,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import { AdminTokenGuard } from '@tessera/platform-service';
import type { FastifyReply } from 'fastify';
import { INGESTION_CONFIG } from '../config/ingestion-config.token';
import type { IngestionConfig } from '../config/ingestion.config';
import {
  PrivacyIdempotencyConflictError,
  PrivacyRequestNotFoundError,
  PrivacyRequestUnavailableError,
} from './privacy-errors';
import { PRIVACY_SERVICES, progressOf, type StoredPrivacyRequest } from './privacy-request';
import { idempotencyKeyOf, privacyRequestInput } from './privacy-request-body';
import { PrivacyRequestsService } from './privacy-requests.service';

const REQUESTS_PATH = '/v1/privacy/requests';

/** Maps the privacy requests' errors to 404 / 409 / 503 once. */
@Catch(PrivacyRequestNotFoundError, PrivacyIdempotencyConflictError, PrivacyRequestUnavailableError)
class PrivacyErrorsFilter implements ExceptionFilter {
  private readonly logger = new Logger(PrivacyController.name);

  catch(
    error:
      | PrivacyRequestNotFoundError
      | PrivacyIdempotencyConflictError
      | PrivacyRequestUnavailableError,
    host: ArgumentsHost,
  ): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (error instanceof PrivacyRequestNotFoundError) {
      void reply.status(404).send({ success: false, error: 'not_found', message: error.message });
      return;
    }
    if (error instanceof PrivacyIdempotencyConflictError) {
      void reply
        .status(409)
        .send({ success: false, error: 'idempotency_key_reused', message: error.message });
      return;
    }
    this.logger.warn(`answering 503: ${error.message} (${String(error.cause)})`);
    void reply
      .status(503)
      .header('retry-after', '5')
      .send({ success: false, error: 'unavailable', message: error.message });
  }
}

/**
 * Privacy requests (delete, suppress, suppress_with_delete, unsuppress one person's data) and
 * their progress across the services. Every route needs `Authorization: Bearer <ADMIN_TOKEN>`.
 */
@Controller(REQUESTS_PATH.slice(1))
@UseGuards(AdminTokenGuard)
@UseFilters(PrivacyErrorsFilter)
export class PrivacyController {
  constructor(
    private readonly requests: PrivacyRequestsService,
    @Inject(INGESTION_CONFIG) private readonly config: IngestionConfig,
  ) {}

  /**
   * Accepted (202): the services act on it asynchronously; its Location tells how far they are.
   * An Idempotency-Key sent again within 24 hours answers 200 with the request it first made.
   */
  @Post()
  @HttpCode(202)
  async submit(
    @Body() body: unknown,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const input = privacyRequestInput(body, this.config.identityRules);
    const { request, replayed } = await this.requests.submit(input, {
      idempotencyKey: idempotencyKeyOf(idempotencyKey),
    });
    if (replayed) void reply.status(200);
    void reply.header('location', `${REQUESTS_PATH}/${request.id}`);
    return view(request);
  }

  @Get(':id')
  async get(@Param('id') id: string) {
    return view(await this.requests.get(id));
  }
}

function view(request: StoredPrivacyRequest) {
  const progress = progressOf(request.services);
  return {
    id: request.id,
    type: request.type,
    identifier: { type: request.identifierType },
    status: progress.status,
    result: progress.result,
    services: Object.fromEntries(
      PRIVACY_SERVICES.map((service) => {
        const { status, detail, at } = request.services[service];
        return [service, { status, detail, at: at?.toISOString() ?? null }];
      }),
    ),
    requestedAt: request.requestedAt.toISOString(),
    completedAt: progress.completedAt?.toISOString() ?? null,
  };
}
