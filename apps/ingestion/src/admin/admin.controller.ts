import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Put,
  UseFilters,
  UseGuards,
  type ArgumentsHost,
  type ExceptionFilter,
  Catch,
} from '@nestjs/common';
import { InvalidTrackingPlanError } from '@tessera/collection';
import type { FastifyReply } from 'fastify';
import type { Source, WriteKeyInfo } from '../sources/source';
import { AdminTokenGuard } from '@tessera/platform-service';
import { SourceNotFoundError } from '../sources/source-errors';
import { SourcesService } from '../sources/sources.service';
import { graceSeconds, objectBody, rateLimit, sourceName, trackingPlan } from './admin-requests';

/** Maps the domain's errors of the admin API to 404 / 400 once. */
@Catch(SourceNotFoundError, InvalidTrackingPlanError)
class AdminErrorsFilter implements ExceptionFilter {
  catch(error: SourceNotFoundError | InvalidTrackingPlanError, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (error instanceof SourceNotFoundError) {
      void reply.status(404).send({ success: false, error: 'not_found', message: error.message });
      return;
    }
    void reply.status(400).send({
      success: false,
      error: 'invalid_tracking_plan',
      message: error.message,
      problems: error.problems,
    });
  }
}

/** Sources, write keys and tracking plans. Every route needs `Authorization: Bearer <ADMIN_TOKEN>`. */
@Controller('admin/sources')
@UseGuards(AdminTokenGuard)
@UseFilters(AdminErrorsFilter)
export class AdminController {
  constructor(private readonly sources: SourcesService) {}

  /** Creates a source; the write key is shown here once and stored only as a hash. */
  @Post()
  async create(@Body() body: unknown) {
    const input = objectBody(body);
    const { source, writeKey } = await this.sources.create({
      name: sourceName(input),
      rateLimit: rateLimit(input.rateLimit),
    });
    return { ...view(source), writeKey };
  }

  @Get()
  async list() {
    return { sources: (await this.sources.list()).map((source) => view(source)) };
  }

  @Get(':id')
  async get(@Param('id') id: string) {
    const { source, keys } = await this.sources.get(id);
    return view(source, keys);
  }

  @Post(':id/disable')
  @HttpCode(200)
  async disable(@Param('id') id: string) {
    return view(await this.sources.setEnabled(id, false));
  }

  @Post(':id/enable')
  @HttpCode(200)
  async enable(@Param('id') id: string) {
    return view(await this.sources.setEnabled(id, true));
  }

  /** A new write key; the previous ones keep working for `graceSeconds` (default 24 h, 0 = now). */
  @Post(':id/rotate-key')
  @HttpCode(200)
  async rotate(@Param('id') id: string, @Body() body: unknown) {
    const { writeKey, previousKeysExpireAt } = await this.sources.rotateKey(
      id,
      graceSeconds(objectBody(body)),
    );
    return { writeKey, previousKeysExpireAt: previousKeysExpireAt.toISOString() };
  }

  @Put(':id/rate-limit')
  async setRateLimit(@Param('id') id: string, @Body() body: unknown) {
    const limit = rateLimit(objectBody(body), 'body');
    return view(await this.sources.setRateLimit(id, limit));
  }

  @Get(':id/tracking-plan')
  async getTrackingPlan(@Param('id') id: string) {
    const { source } = await this.sources.get(id);
    if (!source.trackingPlan)
      throw new NotFoundException({
        error: 'not_found',
        message: `source ${id} has no tracking plan`,
      });
    return source.trackingPlan;
  }

  @Put(':id/tracking-plan')
  async setTrackingPlan(@Param('id') id: string, @Body() body: unknown) {
    const source = await this.sources.setTrackingPlan(id, trackingPlan(objectBody(body)));
    return source.trackingPlan;
  }

  @Delete(':id/tracking-plan')
  @HttpCode(204)
  async deleteTrackingPlan(@Param('id') id: string): Promise<void> {
    await this.sources.setTrackingPlan(id, null);
  }
}

function view(source: Source, keys?: WriteKeyInfo[]) {
  return {
    id: source.id,
    name: source.name,
    enabled: source.enabled,
    createdAt: source.createdAt.toISOString(),
    rateLimit: source.rateLimit,
    hasTrackingPlan: source.trackingPlan !== null,
    ...(keys
      ? {
          writeKeys: keys.map((key) => ({
            prefix: key.prefix,
            createdAt: key.createdAt.toISOString(),
            expiresAt: key.expiresAt?.toISOString() ?? null,
          })),
        }
      : {}),
  };
}
