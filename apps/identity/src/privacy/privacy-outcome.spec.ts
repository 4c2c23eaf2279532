import type { PrivacyRequestDocument } from './privacy.schema';
import { detailOf, resolutionOf } from './privacy-outcome';

const record = (overrides: Partial<PrivacyRequestDocument> = {}): PrivacyRequestDocument => ({
  _id: 'prq_1',
  type: 'delete',
  state: 'done',
  found: true,
  profileId: 'p_a',
  profileIds: ['p_a', 'p_b'],
  identifierHashes: ['h1', 'h2', 'h3', 'h4', 'h5'],
  group: null,
  deletedAt: new Date(1_000),
  resolvedAt: new Date(2_000),
  ...overrides,
});

describe('detailOf', () => {
  it('counts the profiles and identifiers a deletion removed', () => {
    expect(detailOf(record())).toBe('deleted 2 profiles and 5 identifiers');
  });

  it('uses the singular for one', () => {
    expect(detailOf(record({ profileIds: ['p_a'], identifierHashes: ['h1'] }))).toBe(
      'deleted 1 profile and 1 identifier',
    );
  });

  it('counts the identifiers a suppression covers', () => {
    expect(detailOf(record({ type: 'suppress' }))).toBe('suppressed 5 identifiers');
    expect(detailOf(record({ type: 'suppress_with_delete' }))).toBe(
      'deleted 2 profiles and 5 identifiers; suppressed 5 identifiers',
    );
  });

  it('counts the identifiers whose suppression was lifted', () => {
    expect(detailOf(record({ type: 'unsuppress' }))).toBe(
      'lifted the suppression of 5 identifiers',
    );
  });

  it('says nothing found when the identifier was unknown, whatever the type', () => {
    for (const type of ['delete', 'suppress', 'suppress_with_delete', 'unsuppress'] as const)
      expect(detailOf(record({ type, found: false, identifierHashes: ['h1'] }))).toBe(
        'nothing found',
      );
  });
});

describe('resolutionOf', () => {
  it('publishes what the record holds, with the time it was first resolved', () => {
    expect(resolutionOf(record())).toEqual({
      requestId: 'prq_1',
      type: 'delete',
      profileId: 'p_a',
      profileIds: ['p_a', 'p_b'],
      identifierHashes: ['h1', 'h2', 'h3', 'h4', 'h5'],
      resolvedAt: 2_000,
    });
  });
});
