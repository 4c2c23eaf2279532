import {
  pendingServices,
  progressOf,
  type PrivacyService,
  type ServiceStatus,
} from './privacy-request';

const at = (iso: string) => new Date(iso);

function servicesWith(
  reported: Partial<Record<PrivacyService, ServiceStatus>>,
): Record<PrivacyService, ServiceStatus> {
  return { ...pendingServices(), ...reported };
}

const done = (detail: string, when: string): ServiceStatus => ({
  status: 'done',
  detail,
  at: at(when),
});

describe('progressOf', () => {
  it('is pending, with no result or completion, while no service has reported', () => {
    expect(progressOf(pendingServices())).toEqual({
      status: 'pending',
      result: null,
      completedAt: null,
    });
  });

  it('stays pending while one service has not reported, even if the others are done', () => {
    const services = servicesWith({
      ingestion: done('suppressed 2 identifiers', '2026-01-01T00:00:01Z'),
      identity: done('suppressed 2 identifiers', '2026-01-01T00:00:00Z'),
      enrichment: done('nothing to delete for a suppress request', '2026-01-01T00:00:02Z'),
    });
    expect(progressOf(services).status).toBe('pending');
  });

  it('is done when all four services are done, completed at the last one', () => {
    const services = servicesWith({
      ingestion: done('nothing to do for a delete request', '2026-01-01T00:00:01Z'),
      identity: done('deleted 1 profile, 3 identifiers', '2026-01-01T00:00:00Z'),
      enrichment: done('deleted 1 profile', '2026-01-01T00:00:05Z'),
      activation: done('deleted 0 deliveries', '2026-01-01T00:00:03Z'),
    });
    expect(progressOf(services)).toEqual({
      status: 'done',
      result: 'done',
      completedAt: at('2026-01-01T00:00:05Z'),
    });
  });

  it('says nothing found when identity did not know the identifier', () => {
    const services = servicesWith({
      ingestion: done('suppressed 1 identifier', '2026-01-01T00:00:01Z'),
      identity: done('nothing found', '2026-01-01T00:00:00Z'),
      enrichment: done('nothing to delete', '2026-01-01T00:00:01Z'),
      activation: done('nothing to delete', '2026-01-01T00:00:02Z'),
    });
    expect(progressOf(services).result).toBe('nothing found');
  });

  it('is failed as soon as one service failed, completed at the latest report', () => {
    const services = servicesWith({
      identity: done('deleted 1 profile', '2026-01-01T00:00:00Z'),
      enrichment: { status: 'failed', detail: 'store unavailable', at: at('2026-01-01T00:00:04Z') },
    });
    expect(progressOf(services)).toEqual({
      status: 'failed',
      result: null,
      completedAt: at('2026-01-01T00:00:04Z'),
    });
  });
});
