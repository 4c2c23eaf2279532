import type { JsonObject, ProfileSnapshot } from '@tessera/contracts';
import {
  computedTraits as builtInTraits,
  customTraitValue,
  type ComputedTraitDefinition,
  type ProfileState,
} from '@tessera/profile';
import type { ProfileDocument } from './profile-store.schema';
import { stateOf } from './stored-profile';

/** The record of a live profile on the profiles topic. */
export function profileSnapshotOf(
  doc: ProfileDocument,
  computedTraits: readonly ComputedTraitDefinition[],
): ProfileSnapshot {
  const state = stateOf(doc);
  const { daysSinceLastSeen: _relativeToNow, ...computed } = builtInTraits(state, doc.updatedAt);
  return {
    profileId: doc._id,
    version: doc.version,
    identifiers: state.identifiers,
    traits: traitsObject(state),
    computed,
    customTraits: customTraitsOf(state, computedTraits, doc.updatedAt),
    consent: state.consent,
    device: deviceOf(state),
    audiences: doc.audiences,
    mergedFrom: doc.absorbed,
    changed: doc.changed,
    updatedAt: doc.updatedAt,
  };
}

/** Trait name -> { value, at, source, messageId }. */
export function traitsObject(state: ProfileState): JsonObject {
  return Object.fromEntries(
    Object.entries(state.traits).map(([name, { value, at, source, messageId }]) => [
      name,
      { value, at, source, messageId },
    ]),
  );
}

/** The device as published: everything but the event that told it. */
export function deviceOf(state: ProfileState): ProfileSnapshot['device'] {
  if (!state.device) return null;
  const { messageId: _told, ...device } = state.device;
  return device;
}

/** The user-defined computed traits the profile has values of, at `now`. */
export function customTraitsOf(
  state: ProfileState,
  computedTraits: readonly ComputedTraitDefinition[],
  now: number,
): JsonObject {
  const values: JsonObject = {};
  for (const definition of computedTraits) {
    const value = customTraitValue(state.custom, definition, now);
    if (value !== undefined) values[definition.id] = value;
  }
  return values;
}
