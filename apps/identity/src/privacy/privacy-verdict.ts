/** What a tombstone says about an event carrying its identifier. */
export interface TombstoneState {
  deletedAt: Date | null;
  suppressed: boolean;
}

/** Why an event is dropped: an identifier of it is suppressed, or its profile was deleted after the event came in. */
export type PrivacyVerdict = 'suppressed' | 'deleted';

/**
 * Whether an event received at `receivedAt` carrying identifiers with these hashes is dropped: any
 * of them suppressed, or any of them deleted after the event was received (it was in flight at
 * the deletion, so it must not bring the deleted person back). Events received after a plain
 * deletion go on and start a new profile.
 */
export function privacyVerdict(
  hashes: readonly string[],
  receivedAt: number,
  tombstones: ReadonlyMap<string, TombstoneState>,
): PrivacyVerdict | null {
  let verdict: PrivacyVerdict | null = null;
  for (const hash of hashes) {
    const tombstone = tombstones.get(hash);
    if (!tombstone) continue;
    if (tombstone.suppressed) return 'suppressed';
    if (tombstone.deletedAt && receivedAt < tombstone.deletedAt.getTime()) verdict = 'deleted';
  }
  return verdict;
}
