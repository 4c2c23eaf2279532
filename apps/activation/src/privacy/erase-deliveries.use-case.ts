import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { PrivacyResolution, PrivacyStatus } from '@tessera/contracts';
import { isTransientError } from '@tessera/platform-kafka';
import { ACTIVATION_CONFIG } from '../config/activation-config.token';
import type { ActivationConfig } from '../config/activation.config';
import { DeliveryRepository, type ErasedDeliveries } from '../delivery/delivery.repository';
import { deletes, erasureDetail, nothingToDeleteDetail, sumErased } from './erasure-detail';
import { ErasureRepository } from './erasure.repository';

/** Profiles rechecked at once. */
const RECHECK_BATCH = 1_000;

/**
 * Activation's part of a privacy request that deletes a profile: every message of the profile and
 * of those merged into it (pending, failed or delivered, in every subscription) and their delivery
 * log are removed, but the `profile.deleted` notices, which must still reach the subscribers. The
 * profiles are marked erased first, so a change of theirs routed afterwards is dropped. An attempt
 * in flight, or a batch routed while the request is handled, may still write: the profiles are
 * erased once more when a lease has run out since (any attempt has ended by then), and by the
 * periodic sweep, should this replica stop before that.
 */
@Injectable()
export class EraseDeliveriesUseCase implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EraseDeliveriesUseCase.name);
  private sweep: NodeJS.Timeout | undefined;
  private readonly rechecks = new Set<NodeJS.Timeout>();

  constructor(
    private readonly erasures: ErasureRepository,
    private readonly deliveries: DeliveryRepository,
    @Inject(ACTIVATION_CONFIG) private readonly config: ActivationConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.sweep = setInterval(() => this.recheckLogged(), this.config.dispatch.retentionSweepMs);
    this.sweep.unref();
    this.recheckLogged();
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweep);
    for (const timer of this.rechecks) clearTimeout(timer);
    this.rechecks.clear();
  }

  /** Does activation's part of a resolved request; the status to report once it is durable. */
  async apply(resolution: PrivacyResolution): Promise<PrivacyStatus> {
    const status = (outcome: PrivacyStatus['status'], detail: string): PrivacyStatus => ({
      requestId: resolution.requestId,
      service: this.config.service,
      status: outcome,
      detail,
      at: Date.now(),
    });
    if (!deletes(resolution.type)) return status('done', nothingToDeleteDetail(resolution.type));
    const profileIds = [...new Set(resolution.profileIds)];
    if (profileIds.length === 0) return status('done', 'nothing found');
    try {
      const now = Date.now();
      await this.erasures.mark(
        profileIds,
        resolution.requestId,
        now,
        now + this.config.dispatch.leaseMs,
      );
      await this.erase(profileIds, now);
      this.scheduleRecheck();
      // Counted over every pass, so a redelivered request reports what the first one did.
      const totals = await this.erasures.totals(profileIds);
      return status('done', erasureDetail(totals, profileIds.length));
    } catch (error) {
      if (isTransientError(error)) throw error;
      this.logger.error(`privacy request ${resolution.requestId} failed: ${String(error)}`);
      return status('failed', `pending deliveries not deleted: ${messageOf(error)}`);
    }
  }

  /** Erases again the profiles whose recheck is due; resolves with how many there were. */
  async recheck(now = Date.now()): Promise<number> {
    const due = await this.erasures.dueForRecheck(now, RECHECK_BATCH);
    if (due.length === 0) return 0;
    const removed = await this.erase(due, now);
    await this.erasures.rechecked(due, now);
    const total = sumErased([...removed.values()]);
    if (Object.values(total).some((n) => n > 0))
      this.logger.warn(`recheck of erased profiles: ${erasureDetail(total, due.length)}`);
    return due.length;
  }

  private async erase(profileIds: string[], now: number): Promise<Map<string, ErasedDeliveries>> {
    const removed = await this.deliveries.eraseProfiles(profileIds, now);
    await this.erasures.count(removed);
    return removed;
  }

  /** Rechecks once the recheck of this request is due (with any other that is due by then). */
  private scheduleRecheck(): void {
    const timer = setTimeout(() => {
      this.rechecks.delete(timer);
      this.recheckLogged();
    }, this.config.dispatch.leaseMs + this.config.dispatch.pollMs);
    timer.unref();
    this.rechecks.add(timer);
  }

  private recheckLogged(): void {
    void this.recheck()
      .then((count) => {
        // A full batch: more may be due.
        if (count === RECHECK_BATCH) this.recheckLogged();
      })
      .catch((error: unknown) =>
        this.logger.warn(`erased profiles not rechecked; will retry: ${String(error)}`),
      );
  }
}

function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 200);
}
