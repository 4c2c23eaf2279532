import type { PrivacyResolution } from '@tessera/contracts';
import type { PrivacyRequestDocument } from './privacy.schema';

/** The resolution a request's record publishes (the same on every redelivery). */
export function resolutionOf(record: PrivacyRequestDocument): PrivacyResolution {
  return {
    requestId: record._id,
    type: record.type,
    profileId: record.profileId,
    profileIds: [...record.profileIds],
    identifierHashes: [...record.identifierHashes],
    resolvedAt: record.resolvedAt.getTime(),
  };
}

/** What the identity service did, in words and counts, never an identifier. */
export function detailOf(record: PrivacyRequestDocument): string {
  if (!record.found) return 'nothing found';
  const identifiers = count(record.identifierHashes.length, 'identifier');
  const deleted = `deleted ${count(record.profileIds.length, 'profile')} and ${identifiers}`;
  switch (record.type) {
    case 'delete':
      return deleted;
    case 'suppress':
      return `suppressed ${identifiers}`;
    case 'suppress_with_delete':
      return `${deleted}; suppressed ${identifiers}`;
    case 'unsuppress':
      return `lifted the suppression of ${identifiers}`;
  }
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
