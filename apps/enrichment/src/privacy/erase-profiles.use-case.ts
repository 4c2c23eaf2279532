import { Inject, Injectable } from '@nestjs/common';
import type { PrivacyResolution, PrivacyStatus } from '@tessera/contracts';
import { isTransientError, PrivacyStatusPublisher } from '@tessera/platform-kafka';
import { ENRICHMENT_CONFIG } from '../config/enrichment-config.token';
import type { EnrichmentConfig } from '../config/enrichment.config';
import { EnrichmentMetrics } from '../metrics/enrichment-metrics';
import { ErasedProfilesRepository } from '../profiles/erased-profiles.repository';
import { ProfileEraser } from '../profiles/profile-eraser';
import { deletes, deletionDetail, NOTHING_FOUND, nothingToDelete } from './privacy-outcome';

/**
 * Enrichment's part of a privacy request: for a deletion, forgets the profile and every profile
 * merged into it (documents, timeline, identifier links, traits, computed traits, audience
 * memberships), sends their exits and tombstones, and reports on the statuses topic. The profiles
 * are marked deleted first, so an event or merge of them still on its way does not bring them
 * back. Redone harmlessly when redelivered, reporting what the first delivery deleted.
 */
@Injectable()
export class EraseProfilesUseCase {
  constructor(
    private readonly erased: ErasedProfilesRepository,
    private readonly eraser: ProfileEraser,
    private readonly statuses: PrivacyStatusPublisher,
    private readonly metrics: EnrichmentMetrics,
    @Inject(ENRICHMENT_CONFIG) private readonly config: EnrichmentConfig,
  ) {}

  /**
   * Throws when it could not do its part: the platform retries, then parks the resolution. Unless
   * the store or Kafka is away (retried until back), the request says `failed` until a retry
   * succeeds; the detail gives the error's kind only, as a store error's message may quote a
   * document.
   */
  async handle(resolution: PrivacyResolution): Promise<void> {
    let detail: string;
    try {
      detail = await this.carryOut(resolution);
    } catch (error) {
      if (!isTransientError(error))
        await this.report(resolution, 'failed', `deletion failed (${errorName(error)})`);
      throw error;
    }
    await this.report(resolution, 'done', detail);
  }

  /** Does the request's part and says what it did. */
  private async carryOut(resolution: PrivacyResolution): Promise<string> {
    if (!deletes(resolution.type)) return nothingToDelete(resolution.type);
    if (resolution.profileIds.length === 0) return NOTHING_FOUND;
    const survey = await this.eraser.survey(resolution.profileIds);
    const deleted = await this.erased.mark(survey.ids, {
      requestId: resolution.requestId,
      at: Date.now(),
      recordId: resolution.profileId ?? resolution.profileIds[0],
      deleted: await this.eraser.count(survey),
    });
    // Read again: an event folded between the survey and the marks is deleted too.
    await this.eraser.erase(await this.eraser.survey(survey.ids));
    return deletionDetail(deleted);
  }

  private async report(
    resolution: PrivacyResolution,
    status: PrivacyStatus['status'],
    detail: string,
  ): Promise<void> {
    const value: PrivacyStatus = {
      requestId: resolution.requestId,
      service: this.config.service,
      status,
      detail,
      at: Date.now(),
    };
    this.metrics.privacyRequest(resolution.type, status);
    await this.statuses.publish([value]);
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
