import { emptyProfile, type ProfileState } from '@tessera/profile';
import type { ProfileDocument } from './profile-store.schema';

/** The state a stored profile holds (empty for one frozen before any event of it arrived). */
export function stateOf(doc: ProfileDocument | undefined): ProfileState {
  return doc?.state ? (JSON.parse(doc.state) as ProfileState) : emptyProfile();
}

/** A live profile: neither merged away nor being merged. */
export function isLive(doc: ProfileDocument): boolean {
  return doc.mergedInto === null && doc.mergingInto === null;
}
