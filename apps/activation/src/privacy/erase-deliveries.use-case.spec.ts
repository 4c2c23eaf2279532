import type { PrivacyResolution } from '@tessera/contracts';
import { TransientError } from '@tessera/platform-kafka';
import type { ActivationConfig } from '../config/activation.config';
import type { DeliveryRepository, ErasedDeliveries } from '../delivery/delivery.repository';
import { EraseDeliveriesUseCase } from './erase-deliveries.use-case';
import type { ErasureRepository } from './erasure.repository';

const none: ErasedDeliveries = {
  pendingMessages: 0,
  failedMessages: 0,
  deliveredMessages: 0,
  logEntries: 0,
};

const config = {
  service: 'activation',
  dispatch: { leaseMs: 60_000, pollMs: 1_000, retentionSweepMs: 3_600_000 },
} as ActivationConfig;

function resolution(overrides: Partial<PrivacyResolution> = {}): PrivacyResolution {
  return {
    requestId: 'prq_1',
    type: 'delete',
    profileId: 'p_live',
    profileIds: ['p_live', 'p_merged'],
    identifierHashes: ['h1'],
    resolvedAt: 1,
    ...overrides,
  };
}

/** An in-memory store of erasure markers and a delivery store holding some messages per profile. */
function fakes(stored: Record<string, ErasedDeliveries> = {}) {
  const markers = new Map<
    string,
    ErasedDeliveries & { requestId: string; recheckAt: number | null }
  >();
  const calls: string[] = [];
  const erasures = {
    mark: (ids: string[], requestId: string, _now: number, recheckAt: number) => {
      calls.push('mark');
      for (const id of ids)
        markers.set(id, { ...(markers.get(id) ?? { ...none, requestId }), recheckAt });
      return Promise.resolve();
    },
    count: (removed: Map<string, ErasedDeliveries>) => {
      for (const [id, counts] of removed) {
        const marker = markers.get(id)!;
        for (const key of Object.keys(counts) as (keyof ErasedDeliveries)[])
          marker[key] += counts[key];
      }
      return Promise.resolve();
    },
    totals: (ids: string[]) =>
      Promise.resolve(
        ids.reduce(
          (sum, id) => {
            const marker = markers.get(id) ?? none;
            return {
              pendingMessages: sum.pendingMessages + marker.pendingMessages,
              failedMessages: sum.failedMessages + marker.failedMessages,
              deliveredMessages: sum.deliveredMessages + marker.deliveredMessages,
              logEntries: sum.logEntries + marker.logEntries,
            };
          },
          { ...none },
        ),
      ),
  };
  const deliveries = {
    eraseProfiles: (ids: string[]) => {
      calls.push(`erase ${ids.join(',')}`);
      const removed = new Map(ids.map((id) => [id, stored[id] ?? { ...none }]));
      for (const id of ids) delete stored[id];
      return Promise.resolve(removed);
    },
  };
  const useCase = new EraseDeliveriesUseCase(
    erasures as unknown as ErasureRepository,
    deliveries as unknown as DeliveryRepository,
    config,
  );
  return { useCase, markers, calls, deliveries };
}

describe('EraseDeliveriesUseCase', () => {
  afterEach(() => jest.useRealTimers());

  it('marks the profiles erased before removing their deliveries, and reports the counts', async () => {
    const { useCase, calls, markers } = fakes({
      p_live: { ...none, pendingMessages: 3, logEntries: 7 },
      p_merged: { ...none, pendingMessages: 1, failedMessages: 1, logEntries: 2 },
    });
    const status = await useCase.apply(resolution());
    useCase.onApplicationShutdown();
    expect(calls).toEqual(['mark', 'erase p_live,p_merged']);
    expect(status).toMatchObject({
      requestId: 'prq_1',
      service: 'activation',
      status: 'done',
      detail:
        'deleted 4 pending messages, 1 failed message and 9 delivery log entries of 2 profiles',
    });
    expect([...markers.keys()]).toEqual(['p_live', 'p_merged']);
  });

  it('reports the same counts when the resolution is delivered again', async () => {
    const { useCase } = fakes({ p_live: { ...none, pendingMessages: 2, logEntries: 2 } });
    const first = await useCase.apply(resolution());
    const again = await useCase.apply(resolution());
    useCase.onApplicationShutdown();
    expect(again.detail).toBe(first.detail);
    expect(again.detail).toBe(
      'deleted 2 pending messages and 2 delivery log entries of 2 profiles',
    );
  });

  it('deletes nothing for a suppress request and says so', async () => {
    const { useCase, calls } = fakes();
    const status = await useCase.apply(resolution({ type: 'suppress' }));
    expect(calls).toEqual([]);
    expect(status).toMatchObject({
      status: 'done',
      detail: 'nothing to delete for a suppress request',
    });
  });

  it('reports nothing found for a deletion of an unknown identifier', async () => {
    const { useCase, calls } = fakes();
    const status = await useCase.apply(resolution({ profileId: null, profileIds: [] }));
    expect(calls).toEqual([]);
    expect(status).toMatchObject({ status: 'done', detail: 'nothing found' });
  });

  it('deletes for a suppress_with_delete request too', async () => {
    const { useCase, calls } = fakes();
    await useCase.apply(resolution({ type: 'suppress_with_delete', profileIds: ['p_live'] }));
    useCase.onApplicationShutdown();
    expect(calls).toEqual(['mark', 'erase p_live']);
  });

  it('throws when the store is unavailable, so the batch is tried again', async () => {
    const { useCase, deliveries } = fakes();
    deliveries.eraseProfiles = () => Promise.reject(new TransientError('store down'));
    await expect(useCase.apply(resolution())).rejects.toThrow('store down');
  });

  it('reports failed, saying why, when the store refuses the deletion', async () => {
    const { useCase, deliveries } = fakes();
    deliveries.eraseProfiles = () => Promise.reject(new Error('unsupported operator'));
    expect(await useCase.apply(resolution())).toMatchObject({
      status: 'failed',
      detail: 'pending deliveries not deleted: unsupported operator',
    });
  });

  it('erases the profiles once more when a lease has run out since the request', async () => {
    jest.useFakeTimers();
    const { useCase, calls } = fakes();
    const erasures = (useCase as unknown as { erasures: Record<string, unknown> }).erasures;
    let due: string[] = [];
    erasures.dueForRecheck = () => Promise.resolve(due);
    erasures.rechecked = () => {
      due = [];
      return Promise.resolve();
    };
    await useCase.apply(resolution({ profileIds: ['p_live'] }));
    due = ['p_live'];
    await jest.advanceTimersByTimeAsync(config.dispatch.leaseMs + config.dispatch.pollMs);
    useCase.onApplicationShutdown();
    expect(calls).toEqual(['mark', 'erase p_live', 'erase p_live']);
    expect(due).toEqual([]);
  });
});
