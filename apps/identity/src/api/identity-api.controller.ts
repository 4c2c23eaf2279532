import {
  BadRequestException,
  Controller,
  Get,
  NotFoundException,
  Param,
  Query,
  UseGuards,
} from '@nestjs/common';
import { AdminTokenGuard } from '@tessera/platform-service';
import { IdentityQueries, InvalidLookupError } from './identity-queries';

/**
 * Who is who: `GET /v1/identity/resolve?type=email&value=...` and `GET /v1/identity/profiles/:id`.
 * Answers with personal data, so every route needs `Authorization: Bearer <ADMIN_TOKEN>`.
 */
@Controller('v1/identity')
@UseGuards(AdminTokenGuard)
export class IdentityApiController {
  constructor(private readonly queries: IdentityQueries) {}

  @Get('resolve')
  async resolve(@Query('type') type?: string, @Query('value') value?: string) {
    if (!type || value === undefined)
      throw new BadRequestException({
        success: false,
        error: 'invalid_request',
        message: 'type and value are both required, e.g. ?type=email&value=jane@example.org',
      });
    try {
      const found = await this.queries.resolve(type, value);
      if (!found)
        throw new NotFoundException({
          success: false,
          error: 'not_found',
          message: `no profile holds ${type} ${JSON.stringify(value)}`,
        });
      return found;
    } catch (error) {
      if (error instanceof InvalidLookupError)
        throw new BadRequestException({
          success: false,
          error: 'invalid_request',
          message: error.message,
        });
      throw error;
    }
  }

  @Get('profiles/:id')
  async profile(@Param('id') id: string) {
    const profile = await this.queries.profile(id);
    if (!profile)
      throw new NotFoundException({
        success: false,
        error: 'not_found',
        message: `no profile ${id}`,
      });
    return profile;
  }
}
