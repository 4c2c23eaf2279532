import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  Delete,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Patch,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import { AdminTokenGuard } from '@tessera/platform-service';
import type { AttemptDocument, MessageDocument } from '../delivery/activation-store.schema';
import { DeliveryRepository } from '../delivery/delivery.repository';
import { WebhookDispatcher } from '../delivery/webhook-dispatcher';
import type { Subscription } from './subscription';
import { InvalidSubscriptionError } from './subscription-input';
import {
  SubscriptionChangedError,
  SubscriptionExistsError,
  SubscriptionsService,
} from './subscriptions.service';

/**
 * Subscriptions: `POST/GET /v1/subscriptions`, `GET/PATCH/DELETE /v1/subscriptions/:id`,
 * `POST /v1/subscriptions/:id/secrets/rotate`, `GET /v1/subscriptions/:id/secrets`, the delivery log `GET .../deliveries`, failed
 * deliveries `GET .../failed` and `POST .../failed/replay`. Every route needs the admin token.
 */
@Controller('v1/subscriptions')
@UseGuards(AdminTokenGuard)
export class SubscriptionsController {
  constructor(
    private readonly subscriptions: SubscriptionsService,
    private readonly deliveries: DeliveryRepository,
    private readonly dispatcher: WebhookDispatcher,
  ) {}

  @Post()
  async create(@Body() body: unknown) {
    return viewOf(await answer(() => this.subscriptions.create(body)), 'with-secrets');
  }

  @Get()
  async list() {
    return {
      subscriptions: (await this.subscriptions.list()).map((entry) => viewOf(entry)),
    };
  }

  @Get(':id')
  async get(@Param('id') id: string) {
    return viewOf(found(await this.subscriptions.get(id), id));
  }

  @Patch(':id')
  async update(@Param('id') id: string, @Body() body: unknown) {
    return viewOf(found(await answer(() => this.subscriptions.update(id, body)), id));
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Param('id') id: string): Promise<void> {
    found((await this.subscriptions.delete(id)) || null, id);
  }

  @Post(':id/secrets/rotate')
  @HttpCode(200)
  async rotate(@Param('id') id: string, @Body() body: unknown) {
    return viewOf(
      found(await answer(() => this.subscriptions.rotateSecret(id, body)), id),
      'with-secrets',
    );
  }

  /** The signing secrets themselves; other answers show only when each was made and expires. */
  @Get(':id/secrets')
  async secrets(@Param('id') id: string) {
    return { secrets: viewOf(found(await this.subscriptions.get(id), id), 'with-secrets').secrets };
  }

  @Get(':id/deliveries')
  async log(
    @Param('id') id: string,
    @Query('limit') limit?: string,
    @Query('before') before?: string,
    @Query('messageId') messageId?: string,
  ) {
    found(await this.subscriptions.get(id), id);
    const page = await this.deliveries.attemptsOf(
      id,
      limitOf(limit),
      cursorOf(before),
      messageId ?? null,
    );
    return { deliveries: page.items.map(attemptView), next: page.next };
  }

  @Get(':id/failed')
  async failed(
    @Param('id') id: string,
    @Query('limit') limit?: string,
    @Query('after') after?: string,
  ) {
    found(await this.subscriptions.get(id), id);
    const page = await this.deliveries.failedOf(id, limitOf(limit), after ?? null);
    return { failed: page.items.map(failedView), next: page.next };
  }

  /** Puts failed messages (all, at most 1,000 a call, or those named) back on their lanes. */
  @Post(':id/failed/replay')
  @HttpCode(200)
  async replay(@Param('id') id: string, @Body() body: unknown) {
    found(await this.subscriptions.get(id), id);
    const replayed = await this.deliveries.replay(id, messageIdsOf(body), Date.now());
    void this.dispatcher.poll();
    return { replayed };
  }
}

/** A subscription as answered; its secrets only where asked for (create, rotate, `/secrets`). */
function viewOf(subscription: Subscription, secrets: 'with-secrets' | 'without' = 'without') {
  return {
    ...subscription,
    secrets: subscription.secrets.map((entry) => ({
      ...(secrets === 'with-secrets' ? { secret: entry.secret } : {}),
      createdAt: iso(entry.createdAt),
      expiresAt: entry.expiresAt === null ? null : iso(entry.expiresAt),
    })),
    createdAt: iso(subscription.createdAt),
    updatedAt: iso(subscription.updatedAt),
  };
}

function attemptView(attempt: AttemptDocument) {
  return {
    messageId: attempt.messageId,
    type: attempt.type,
    profileId: attempt.profileId,
    attempt: attempt.attempt,
    at: iso(attempt.at),
    latencyMs: attempt.latencyMs,
    statusCode: attempt.statusCode,
    outcome: attempt.outcome,
    error: attempt.error,
  };
}

function failedView(message: MessageDocument) {
  return {
    messageId: message._id,
    type: message.type,
    profileId: message.profileId,
    attempts: message.attempts,
    lastStatusCode: message.lastStatusCode,
    lastError: message.lastError,
    createdAt: iso(message.createdAt),
    failedAt: message.settledAt === null ? null : iso(message.settledAt),
    payload: JSON.parse(message.body) as unknown,
  };
}

/** `before` of the delivery log: the `next` of the previous page, `<at>:<id>`. */
function cursorOf(before: string | undefined): { at: number; id: string } | null {
  if (before === undefined) return null;
  const match = /^(\d+):(.+)$/.exec(before);
  if (!match) throw invalid('before must be the next value of the previous page');
  return { at: Number(match[1]), id: match[2] };
}

function messageIdsOf(body: unknown): string[] | null {
  if (body === undefined || body === null) return null;
  if (typeof body !== 'object' || Array.isArray(body)) throw invalid('body must be an object');
  const unknown = Object.keys(body).filter((key) => key !== 'messageIds');
  if (unknown.length > 0)
    throw invalid(`body has unknown fields ${unknown.join(', ')}; known: messageIds`);
  const ids = (body as { messageIds?: unknown }).messageIds;
  if (ids === undefined) return null;
  if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string') || ids.length > 1_000)
    throw invalid('messageIds must be an array of at most 1,000 message ids');
  return ids as string[];
}

function limitOf(value: string | undefined): number {
  if (value === undefined) return 100;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500)
    throw invalid('limit must be an integer from 1 to 500');
  return limit;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function invalid(message: string): BadRequestException {
  return new BadRequestException({ success: false, error: 'invalid_request', message });
}

async function answer<T>(request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    if (error instanceof InvalidSubscriptionError) throw invalid(error.message);
    if (error instanceof SubscriptionExistsError || error instanceof SubscriptionChangedError)
      throw new ConflictException({ success: false, error: 'conflict', message: error.message });
    throw error;
  }
}

function found<T>(value: T | null, id: string): T {
  if (value === null)
    throw new NotFoundException({
      success: false,
      error: 'not_found',
      message: `no subscription ${id}`,
    });
  return value;
}
