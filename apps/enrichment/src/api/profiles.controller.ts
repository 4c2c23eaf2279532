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
import { InvalidQueryError, ProfileQueries } from './profile-queries';

/**
 * The Profile API: a profile by id (merges followed) or by any identifier, its traits, its
 * timeline. Answers with personal data, so every route needs `Authorization: Bearer <ADMIN_TOKEN>`.
 */
@Controller('v1/profiles')
@UseGuards(AdminTokenGuard)
export class ProfilesController {
  constructor(private readonly queries: ProfileQueries) {}

  @Get()
  async byIdentifier(@Query('identifier') identifier?: string) {
    if (identifier === undefined)
      throw invalid('identifier is required, e.g. ?identifier=email:ana@example.com');
    return found(
      await answer(() => this.queries.byIdentifier(identifier)),
      `no profile holds ${identifier}`,
    );
  }

  @Get(':id')
  async profile(@Param('id') id: string) {
    return found(await this.queries.profile(id), `no profile ${id}`);
  }

  @Get(':id/traits')
  async traits(@Param('id') id: string) {
    const profile = found(await this.queries.profile(id), `no profile ${id}`);
    return {
      profileId: profile.profileId,
      requestedId: profile.requestedId,
      traits: profile.traits,
      computed: profile.computed,
      customTraits: profile.customTraits,
    };
  }

  @Get(':id/events')
  async events(
    @Param('id') id: string,
    @Query('limit') limit?: string,
    @Query('cursor') cursor?: string,
  ) {
    return found(await answer(() => this.queries.timeline(id, limit, cursor)), `no profile ${id}`);
  }
}

async function answer<T>(query: () => Promise<T>): Promise<T> {
  try {
    return await query();
  } catch (error) {
    if (error instanceof InvalidQueryError) throw invalid(error.message);
    throw error;
  }
}

function found<T>(value: T | null, message: string): T {
  if (value === null) throw new NotFoundException({ success: false, error: 'not_found', message });
  return value;
}

function invalid(message: string): BadRequestException {
  return new BadRequestException({ success: false, error: 'invalid_request', message });
}
