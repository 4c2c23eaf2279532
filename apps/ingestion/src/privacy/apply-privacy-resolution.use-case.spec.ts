import type { PrivacyResolution } from '@tessera/contracts';
import { ApplyPrivacyResolutionUseCase } from './apply-privacy-resolution.use-case';
import type { SuppressionList } from './suppression-list';
import type { SuppressionsRepository } from './suppressions.repository';

class FakeSuppressions {
  readonly stored = new Map<string, string>();
  readonly held = new Set<string>();

  async suppress(hashes: string[], requestId: string): Promise<void> {
    for (const hash of hashes) this.stored.set(hash, requestId);
  }

  async lift(hashes: string[]): Promise<void> {
    for (const hash of hashes) this.stored.delete(hash);
  }

  add(hashes: string[]): void {
    for (const hash of hashes) this.held.add(hash);
  }

  remove(hashes: string[]): void {
    for (const hash of hashes) this.held.delete(hash);
  }
}

function resolution(overrides: Partial<PrivacyResolution>): PrivacyResolution {
  return {
    requestId: 'prq_test',
    type: 'suppress',
    profileId: 'prof_1',
    profileIds: ['prof_1'],
    identifierHashes: ['h1', 'h2', 'h3'],
    resolvedAt: Date.parse('2026-01-01T00:00:00Z'),
    ...overrides,
  };
}

describe('ApplyPrivacyResolutionUseCase', () => {
  let fake: FakeSuppressions;
  let useCase: ApplyPrivacyResolutionUseCase;

  beforeEach(() => {
    fake = new FakeSuppressions();
    useCase = new ApplyPrivacyResolutionUseCase(
      fake as unknown as SuppressionsRepository,
      fake as unknown as SuppressionList,
    );
  });

  it.each(['suppress', 'suppress_with_delete'] as const)(
    'stores and holds every hash of a %s resolution and reports it as done',
    async (type) => {
      const status = await useCase.apply(resolution({ type }), 1_000);

      expect([...fake.stored.keys()]).toEqual(['h1', 'h2', 'h3']);
      expect([...fake.held]).toEqual(['h1', 'h2', 'h3']);
      expect(status).toEqual({
        requestId: 'prq_test',
        service: 'ingestion',
        status: 'done',
        detail: 'suppressed 3 identifiers',
        at: 1_000,
      });
    },
  );

  it('reports the same outcome when a resolution is applied again', async () => {
    const first = await useCase.apply(resolution({}), 1_000);
    const again = await useCase.apply(resolution({}), 1_000);

    expect(again).toEqual(first);
    expect(fake.stored.size).toBe(3);
  });

  it('lifts the hashes of an unsuppress resolution', async () => {
    await useCase.apply(resolution({}));
    const status = await useCase.apply(
      resolution({ requestId: 'prq_lift', type: 'unsuppress', identifierHashes: ['h1', 'h2'] }),
    );

    expect([...fake.stored.keys()]).toEqual(['h3']);
    expect([...fake.held]).toEqual(['h3']);
    expect(status.detail).toBe('lifted the suppression of 2 identifiers');
  });

  it('leaves the list alone for a delete and says there was nothing to do', async () => {
    const status = await useCase.apply(resolution({ type: 'delete' }));

    expect(fake.stored.size).toBe(0);
    expect(status).toMatchObject({ status: 'done', detail: 'nothing to do for a delete request' });
  });
});
