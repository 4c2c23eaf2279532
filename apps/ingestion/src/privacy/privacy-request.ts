import type { PrivacyOutcome, PrivacyRequestType } from '@tessera/contracts';

/** The services that each report one PrivacyStatus per request, in the order they are shown. */
export const PRIVACY_SERVICES = ['ingestion', 'identity', 'enrichment', 'activation'] as const;

export type PrivacyService = (typeof PRIVACY_SERVICES)[number];

/** This service's name in the PrivacyStatus records it publishes. */
export const INGESTION_SERVICE: PrivacyService = 'ingestion';

/** What identity says in its status when the identifier was unknown. */
export const NOTHING_FOUND = 'nothing found';

export type ServiceStatus =
  | { status: 'pending'; detail: null; at: null }
  | { status: PrivacyOutcome; detail: string; at: Date };

/** A privacy request as ingestion keeps it: never the identifier's value, only its type and hash. */
export interface StoredPrivacyRequest {
  id: string;
  type: PrivacyRequestType;
  identifierType: string;
  identifierHash: string;
  requestedAt: Date;
  services: Record<PrivacyService, ServiceStatus>;
}

export type OverallStatus = 'pending' | 'done' | 'failed';

export interface PrivacyRequestProgress {
  status: OverallStatus;
  result: null | 'done' | 'nothing found';
  completedAt: Date | null;
}

export function isPrivacyService(name: string): name is PrivacyService {
  return (PRIVACY_SERVICES as readonly string[]).includes(name);
}

export function pendingServices(): Record<PrivacyService, ServiceStatus> {
  return Object.fromEntries(
    PRIVACY_SERVICES.map((service) => [service, { status: 'pending', detail: null, at: null }]),
  ) as Record<PrivacyService, ServiceStatus>;
}

/**
 * The request's status from its services': failed as soon as one failed, done once all four are
 * done, completed when the last of them reported.
 */
export function progressOf(
  services: Record<PrivacyService, ServiceStatus>,
): PrivacyRequestProgress {
  const statuses = PRIVACY_SERVICES.map((service) => services[service]);
  const status: OverallStatus = statuses.some((s) => s.status === 'failed')
    ? 'failed'
    : statuses.every((s) => s.status === 'done')
      ? 'done'
      : 'pending';
  if (status === 'pending') return { status, result: null, completedAt: null };
  const reported = statuses.flatMap((s) => (s.at ? [s.at.getTime()] : []));
  const completedAt = new Date(Math.max(...reported));
  if (status === 'failed') return { status, result: null, completedAt };
  const nothingFound = services.identity.detail?.toLowerCase().includes(NOTHING_FOUND) ?? false;
  return { status, result: nothingFound ? NOTHING_FOUND : 'done', completedAt };
}
