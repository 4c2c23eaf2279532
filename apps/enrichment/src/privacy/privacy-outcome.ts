import type { PrivacyRequestType } from '@tessera/contracts';
import type { ErasureCounts } from '../profiles/profile-store.schema';

/** The detail of a request whose profiles enrichment holds nothing of. */
export const NOTHING_FOUND = 'nothing found';

/** The request types that delete the profile; the others (suppressions) leave enrichment's data be. */
export function deletes(type: PrivacyRequestType): boolean {
  return type === 'delete' || type === 'suppress_with_delete';
}

/** Why a request deletes nothing here, in words. */
export function nothingToDelete(type: PrivacyRequestType): string {
  return `nothing to delete for ${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type} request`;
}

/** What a deletion did, in counts and words (never an identifier): `deleted 1 profile, 3 identifiers`. */
export function deletionDetail(counts: ErasureCounts): string {
  const parts = [
    counted(counts.profiles, 'profile'),
    counted(counts.timelineEvents, 'timeline event'),
    counted(counts.identifiers, 'identifier'),
    counted(counts.audienceMemberships, 'audience membership'),
  ].filter((part): part is string => part !== null);
  return parts.length === 0 ? NOTHING_FOUND : `deleted ${parts.join(', ')}`;
}

function counted(count: number, noun: string): string | null {
  if (count === 0) return null;
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
