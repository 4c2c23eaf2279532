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
  Post,
  Put,
  Query,
  UseGuards,
} from '@nestjs/common';
import { AdminTokenGuard } from '@tessera/platform-service';
import { AudienceExistsError, AudiencesService, InvalidAudienceError } from './audiences.service';

/**
 * Audiences: `POST/GET /v1/audiences`, `GET/PUT/DELETE /v1/audiences/:id`,
 * `GET /v1/audiences/:id/members`. Every route needs `Authorization: Bearer <ADMIN_TOKEN>`.
 */
@Controller('v1/audiences')
@UseGuards(AdminTokenGuard)
export class AudiencesController {
  constructor(private readonly audiences: AudiencesService) {}

  @Post()
  async create(@Body() body: unknown) {
    return answer(() => this.audiences.create(body));
  }

  @Get()
  async list() {
    return { audiences: await this.audiences.list() };
  }

  @Get(':id')
  async get(@Param('id') id: string) {
    return found(await this.audiences.get(id), id);
  }

  @Put(':id')
  async replace(@Param('id') id: string, @Body() body: unknown) {
    return found(await answer(() => this.audiences.replace(id, body)), id);
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Param('id') id: string): Promise<void> {
    if (!(await this.audiences.delete(id))) found(null, id);
  }

  @Get(':id/members')
  async members(
    @Param('id') id: string,
    @Query('limit') limit?: string,
    @Query('cursor') cursor?: string,
  ) {
    return found(await answer(() => this.audiences.members(id, limit, cursor)), id);
  }
}

async function answer<T>(request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    if (error instanceof InvalidAudienceError)
      throw new BadRequestException({
        success: false,
        error: 'invalid_request',
        message: error.message,
      });
    if (error instanceof AudienceExistsError)
      throw new ConflictException({ success: false, error: 'conflict', message: error.message });
    throw error;
  }
}

function found<T>(value: T | null, id: string): T {
  if (value === null)
    throw new NotFoundException({
      success: false,
      error: 'not_found',
      message: `no audience ${id}`,
    });
  return value;
}
