import { EnvReader, readPlatformConfig, type PlatformConfig } from '@tessera/platform-config';
import {
  AddressPolicy,
  DEFAULT_RETRY_SCHEDULE,
  InvalidAllowlistEntryError,
  InvalidRetryScheduleError,
  parseRetrySchedule,
} from '../webhooks';

export interface ActivationConfig extends PlatformConfig {
  /** Bearer token of the subscriptions and deliveries API. */
  adminToken: string;
  webhooks: {
    /** One attempt, from connecting to the end of the response. */
    timeoutMs: number;
    /** Wait before each attempt, in ms; its length is the number of attempts. */
    retrySchedule: number[];
    /** The longest wait a `Retry-After` header can ask for. */
    maxRetryAfterMs: number;
    /** Redirect hops followed (each checked like the first); 0: a 3xx is a failed attempt. */
    maxRedirects: number;
    /** Addresses (IPs, CIDRs) webhooks may reach although private, loopback or link-local. */
    allowlist: string[];
    /** Deliveries in flight per subscription and replica, unless the subscription says otherwise. */
    defaultConcurrency: number;
  };
  dispatch: {
    /** How often a replica looks for retries that are due (and work a stopped replica left). */
    pollMs: number;
    /** How long a replica holds a profile's queue while delivering; a stopped one's is freed after. */
    leaseMs: number;
    /** How long delivered messages and the delivery log are kept (failed ones until replayed). */
    retentionMs: number;
    /** How often a replica removes what is older than that. */
    retentionSweepMs: number;
  };
  /** How often a replica re-reads the subscriptions. */
  subscriptionsRefreshMs: number;
}

/** The only place the activation service reads its environment. */
export function loadActivationConfig(
  env: NodeJS.ProcessEnv = process.env,
): Readonly<ActivationConfig> {
  const reader = new EnvReader(env);
  const platform = readPlatformConfig(reader, {
    service: 'activation',
    port: 8083,
    database: 'tessera_activation',
    partitionsConcurrency: 4,
  });
  const timeoutMs = reader.integer('WEBHOOK_TIMEOUT_MS', {
    default: 15_000,
    min: 100,
    max: 120_000,
  });
  const leaseMs = reader.integer('DELIVERY_LEASE_MS', {
    default: Math.max(60_000, 3 * timeoutMs),
    min: 1_000,
    max: 3_600_000,
  });
  // A lease that ran out mid-attempt would let another replica deliver the lane at the same time.
  if (leaseMs < timeoutMs + 5_000)
    reader.problem(
      'DELIVERY_LEASE_MS',
      `must be at least WEBHOOK_TIMEOUT_MS + 5000 (${timeoutMs + 5_000}), got ${leaseMs}`,
    );
  return reader.done({
    ...platform,
    adminToken: reader.secret('ADMIN_TOKEN', { minLength: 16 }),
    webhooks: {
      timeoutMs,
      retrySchedule: retrySchedule(reader),
      maxRetryAfterMs: reader.integer('WEBHOOK_MAX_RETRY_AFTER_MS', {
        default: 3_600_000,
        min: 0,
        max: 604_800_000,
      }),
      maxRedirects: reader.integer('WEBHOOK_MAX_REDIRECTS', { default: 0, min: 0, max: 10 }),
      allowlist: allowlist(reader),
      defaultConcurrency: reader.integer('WEBHOOK_CONCURRENCY', { default: 10, min: 1, max: 200 }),
    },
    dispatch: {
      pollMs: reader.integer('DELIVERY_POLL_MS', { default: 1_000, min: 50, max: 60_000 }),
      leaseMs,
      retentionMs:
        reader.integer('DELIVERY_RETENTION_DAYS', { default: 7, min: 1, max: 3_650 }) * 86_400_000,
      retentionSweepMs: reader.integer('DELIVERY_RETENTION_SWEEP_MS', {
        default: 3_600_000,
        min: 1_000,
        max: 86_400_000,
      }),
    },
    subscriptionsRefreshMs: reader.integer('SUBSCRIPTIONS_REFRESH_MS', {
      default: 2_000,
      min: 100,
      max: 600_000,
    }),
  });
}

function retrySchedule(reader: EnvReader): number[] {
  const name = 'WEBHOOK_RETRY_SCHEDULE';
  try {
    return parseRetrySchedule(reader.optionalString(name) ?? DEFAULT_RETRY_SCHEDULE);
  } catch (error) {
    if (!(error instanceof InvalidRetryScheduleError)) throw error;
    reader.problem(name, `is not usable: ${error.message}`);
    return [];
  }
}

function allowlist(reader: EnvReader): string[] {
  const name = 'WEBHOOK_ALLOWLIST';
  const entries = reader.list(name, { default: [] });
  try {
    AddressPolicy.fromAllowlist(entries);
  } catch (error) {
    if (!(error instanceof InvalidAllowlistEntryError)) throw error;
    reader.problem(name, `is not usable: ${error.message}`);
  }
  return entries;
}
