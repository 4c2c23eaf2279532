import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { Event } from '@tessera/contracts';
import { extractIdentifiers, identifierHash } from '@tessera/identity';
import { INGESTION_CONFIG } from '../config/ingestion-config.token';
import type { IngestionConfig } from '../config/ingestion.config';
import { IngestionMetrics } from '../collection/ingestion-metrics';
import { SuppressionsRepository } from './suppressions.repository';

/**
 * This replica's copy of the suppression list, so that the check on the hot path touches no
 * store: loaded at start, reloaded every PRIVACY_SUPPRESSION_REFRESH_MS, and changed at once by
 * the resolutions this replica applies. A failed reload keeps the last list.
 */
@Injectable()
export class SuppressionList implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(SuppressionList.name);
  private hashes = new Set<string>();
  /** Changes this replica made while a reload was reading, replayed over what it read. */
  private changesDuringReload: [hash: string, suppressed: boolean][] | null = null;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly repository: SuppressionsRepository,
    private readonly metrics: IngestionMetrics,
    @Inject(INGESTION_CONFIG) private readonly config: IngestionConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    // Not starting without the list: events of suppressed people would pass until it loads.
    await this.reload({ throwOnError: true });
    this.timer = setInterval(() => void this.reload(), this.config.suppressionRefreshMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /**
   * Whether the event carries any suppressed identifier (normalised as identity does); an alias
   * call's previousId counts as a user id and as an anonymous id, as identity reads it.
   */
  suppresses(event: Event): boolean {
    if (this.hashes.size === 0) return false;
    const { identifiers, previousId } = extractIdentifiers(event, this.config.identityRules);
    const carried =
      previousId === null
        ? identifiers
        : [
            ...identifiers,
            { type: 'user_id', value: previousId },
            { type: 'anonymous_id', value: previousId },
          ];
    return carried.some((identifier) =>
      this.hashes.has(identifierHash(identifier, this.config.privacyHashKey)),
    );
  }

  add(hashes: string[]): void {
    for (const hash of hashes) this.change(hash, true);
  }

  remove(hashes: string[]): void {
    for (const hash of hashes) this.change(hash, false);
  }

  async reload({ throwOnError = false } = {}): Promise<void> {
    if (this.changesDuringReload) return;
    this.changesDuringReload = [];
    try {
      const loaded = new Set(await this.repository.allHashes());
      for (const [hash, suppressed] of this.changesDuringReload) {
        if (suppressed) loaded.add(hash);
        else loaded.delete(hash);
      }
      this.hashes = loaded;
    } catch (error) {
      if (throwOnError) throw error;
      this.metrics.suppressionReloadFailed();
      this.logger.warn(
        `could not reload the suppression list; keeping the last one (${this.hashes.size} identifiers): ${String(error)}`,
      );
    } finally {
      this.changesDuringReload = null;
    }
  }

  private change(hash: string, suppressed: boolean): void {
    if (suppressed) this.hashes.add(hash);
    else this.hashes.delete(hash);
    this.changesDuringReload?.push([hash, suppressed]);
  }
}
