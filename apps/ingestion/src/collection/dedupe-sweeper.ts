import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { INGESTION_CONFIG } from '../config/ingestion-config.token';
import type { IngestionConfig } from '../config/ingestion.config';
import { DedupeRepository } from './dedupe.repository';

const SWEEP_INTERVAL_MS = 10 * 60 * 1000;

/** Deletes dedupe entries older than the window (what a TTL index would do; FerretDB has none). */
@Injectable()
export class DedupeSweeper implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(DedupeSweeper.name);
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly dedupe: DedupeRepository,
    @Inject(INGESTION_CONFIG) private readonly config: IngestionConfig,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async sweep(now = Date.now()): Promise<number> {
    try {
      return await this.dedupe.sweep(new Date(now - this.config.dedupeWindowSeconds * 1000));
    } catch (error) {
      this.logger.warn(`dedupe sweep failed; will retry: ${String(error)}`);
      return 0;
    }
  }
}
