import type { TrackingPlanDefinition } from '@tessera/collection';

export interface SourceRateLimit {
  eventsPerSecond: number;
  burst: number;
}

/** A place events come from (a website, an app, a backend); clients authenticate with its write keys. */
export interface Source {
  id: string;
  name: string;
  enabled: boolean;
  createdAt: Date;
  rateLimit: SourceRateLimit | null;
  trackingPlan: TrackingPlanDefinition | null;
  /** Bumped on every change, so replicas can tell a cached copy is stale. */
  version: number;
}

/** What the admin API shows of a write key: never the key, only its first characters. */
export interface WriteKeyInfo {
  prefix: string;
  createdAt: Date;
  expiresAt: Date | null;
}
