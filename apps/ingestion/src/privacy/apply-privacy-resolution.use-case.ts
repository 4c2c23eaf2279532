import { Injectable } from '@nestjs/common';
import type { PrivacyResolution, PrivacyStatus } from '@tessera/contracts';
import { INGESTION_SERVICE } from './privacy-request';
import { SuppressionList } from './suppression-list';
import { SuppressionsRepository } from './suppressions.repository';

/**
 * Ingestion's part of a resolved privacy request: suppressing adds the profile's identifier
 * hashes to the suppression list, unsuppressing removes them, a delete leaves it alone. The
 * store is written first (durable before the offset commits), then this replica's copy.
 */
@Injectable()
export class ApplyPrivacyResolutionUseCase {
  constructor(
    private readonly repository: SuppressionsRepository,
    private readonly suppressions: SuppressionList,
  ) {}

  /** Idempotent: applying a resolution again changes nothing and returns the same status. */
  async apply(resolution: PrivacyResolution, now = Date.now()): Promise<PrivacyStatus> {
    const hashes = [...new Set(resolution.identifierHashes)];
    const detail = await this.act(resolution, hashes);
    return {
      requestId: resolution.requestId,
      service: INGESTION_SERVICE,
      status: 'done',
      detail,
      at: now,
    };
  }

  private async act(resolution: PrivacyResolution, hashes: string[]): Promise<string> {
    switch (resolution.type) {
      case 'suppress':
      case 'suppress_with_delete':
        await this.repository.suppress(
          hashes,
          resolution.requestId,
          new Date(resolution.resolvedAt),
        );
        this.suppressions.add(hashes);
        return `suppressed ${identifiers(hashes.length)}`;
      case 'unsuppress':
        await this.repository.lift(hashes);
        this.suppressions.remove(hashes);
        return `lifted the suppression of ${identifiers(hashes.length)}`;
      case 'delete':
        return 'nothing to do for a delete request';
    }
  }
}

function identifiers(count: number): string {
  return `${count} identifier${count === 1 ? '' : 's'}`;
}
