import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  UseGuards,
} from '@nestjs/common';
import { AdminTokenGuard } from '@tessera/platform-service';
import { InvalidComputedTraitError, parseComputedTrait } from '@tessera/profile';
import { ENRICHMENT_CONFIG } from '../config/enrichment-config.token';
import type { EnrichmentConfig } from '../config/enrichment.config';
import type { ComputedTraitDocument } from '../profiles/profile-store.schema';
import { AudienceRepository } from './audience.repository';
import { ProfileDefinitions } from './profile-definitions';

/**
 * User-defined computed traits: `POST/GET /v1/computed-traits`, `GET/DELETE
 * /v1/computed-traits/:id`. A new trait is backfilled over every profile from its timeline; until
 * then a profile has no value of it (`evaluated: false`). Needs `Authorization: Bearer <ADMIN_TOKEN>`.
 */
@Controller('v1/computed-traits')
@UseGuards(AdminTokenGuard)
export class ComputedTraitsController {
  constructor(
    private readonly repository: AudienceRepository,
    private readonly definitions: ProfileDefinitions,
    @Inject(ENRICHMENT_CONFIG) private readonly config: EnrichmentConfig,
  ) {}

  @Post()
  async create(@Body() body: unknown) {
    let definition;
    try {
      definition = parseComputedTrait(body, this.config.fold.dailyRetentionDays);
    } catch (error) {
      if (error instanceof InvalidComputedTraitError)
        throw new BadRequestException({
          success: false,
          error: 'invalid_request',
          message: error.message,
        });
      throw error;
    }
    const { id, ...fields } = definition;
    const stored = await this.repository.insertComputedTrait({
      _id: id,
      ...fields,
      revision: 0,
      createdAt: Date.now(),
    });
    if (!stored)
      throw new ConflictException({
        success: false,
        error: 'conflict',
        message: `a computed trait ${id} exists already; delete it first to change it`,
      });
    await this.definitions.refresh();
    return this.viewOf(stored);
  }

  @Get()
  async list() {
    const docs = await this.repository.listComputedTraits();
    return { computedTraits: await Promise.all(docs.map((doc) => this.viewOf(doc))) };
  }

  @Get(':id')
  async get(@Param('id') id: string) {
    const doc = await this.repository.findComputedTrait(id);
    if (!doc) throw notFound(id);
    return this.viewOf(doc);
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Param('id') id: string): Promise<void> {
    if (!(await this.repository.deleteComputedTrait(id, Date.now()))) throw notFound(id);
    await this.definitions.refresh();
  }

  private async viewOf(doc: ComputedTraitDocument) {
    const state = await this.repository.evaluationState();
    return {
      id: doc._id,
      event: doc.event,
      property: doc.property,
      aggregate: doc.aggregate,
      withinDays: doc.withinDays,
      createdAt: new Date(doc.createdAt).toISOString(),
      evaluated: state.evaluatedRevision >= doc.revision,
    };
  }
}

function notFound(id: string): NotFoundException {
  return new NotFoundException({
    success: false,
    error: 'not_found',
    message: `no computed trait ${id}`,
  });
}
