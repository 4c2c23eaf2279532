import type { Context } from '@opentelemetry/api';
import type { AudienceMembership, JsonObject, ProfileSnapshot } from '@tessera/contracts';
import type { MessageType } from '../subscriptions/subscription';

/**
 * One record of the profiles or audiences topic, as activation reads it, with the trace of the
 * record (what is made of it, webhook attempts and target records, belongs to that trace).
 */
export type ProfileChange = (
  | { kind: 'snapshot'; snapshot: ProfileSnapshot; value: Buffer }
  | { kind: 'membership'; membership: AudienceMembership; value: Buffer }
  | { kind: 'merged'; profileId: string; mergedInto: string; at: number }
  | { kind: 'deleted'; profileId: string; at: number }
) & { traceContext?: Context };

/** What one change becomes for every subscription that wants it (before the consent check). */
export interface ActivationMessage {
  type: MessageType;
  profileId: string;
  /** The same for every delivery of the same change: message ids are derived from it. */
  changeKey: string;
  at: number;
  /** Profile data (traits, audiences) goes only where the profile's consent allows it. */
  carriesProfileData: boolean;
  /** For profile updates: what changed (the subscription's field filter reads it). */
  changed: string[];
  audienceId: string | null;
  data: JsonObject;
  change: ProfileChange;
}

export function activationMessageOf(change: ProfileChange): ActivationMessage {
  switch (change.kind) {
    case 'snapshot': {
      const { snapshot } = change;
      return {
        type: 'profile.updated',
        profileId: snapshot.profileId,
        changeKey: `profile:${snapshot.profileId}:v${snapshot.version}`,
        at: snapshot.updatedAt,
        carriesProfileData: true,
        changed: snapshot.changed,
        audienceId: null,
        data: profileJson(snapshot),
        change,
      };
    }
    case 'membership': {
      const { membership } = change;
      return {
        type: membership.change === 'entered' ? 'audience.entered' : 'audience.exited',
        profileId: membership.profileId,
        changeKey: `audience:${membership.audienceId}:${membership.profileId}:${membership.change}:v${membership.profileVersion}`,
        at: membership.at,
        carriesProfileData: true,
        changed: [],
        audienceId: membership.audienceId,
        data: {
          audienceId: membership.audienceId,
          profileId: membership.profileId,
          reason: membership.reason,
          profileVersion: membership.profileVersion,
          at: iso(membership.at),
        },
        change,
      };
    }
    case 'merged':
      return {
        type: 'profile.merged',
        profileId: change.profileId,
        changeKey: `merged:${change.profileId}:${change.mergedInto}`,
        at: change.at,
        carriesProfileData: false,
        changed: [],
        audienceId: null,
        data: { profileId: change.profileId, mergedInto: change.mergedInto },
        change,
      };
    case 'deleted':
      return {
        type: 'profile.deleted',
        profileId: change.profileId,
        changeKey: `deleted:${change.profileId}`,
        at: change.at,
        carriesProfileData: false,
        changed: [],
        audienceId: null,
        data: { profileId: change.profileId },
        change,
      };
  }
}

/** The JSON body of a message: the Standard Webhooks payload shape, `{ type, timestamp, data }`. */
export function messageBody(message: ActivationMessage): string {
  return JSON.stringify({ type: message.type, timestamp: iso(message.at), data: message.data });
}

/** A profile snapshot as JSON: timestamps as ISO 8601 text, traits and custom traits as objects. */
export function profileJson(snapshot: ProfileSnapshot): JsonObject {
  const { computed, consent, device } = snapshot;
  return {
    profileId: snapshot.profileId,
    version: snapshot.version,
    identifiers: snapshot.identifiers.map(({ type, value }) => ({ type, value })),
    traits: snapshot.traits,
    computed: {
      ...computed,
      firstSeen: isoOrNull(computed.firstSeen),
      lastSeen: isoOrNull(computed.lastSeen),
      lastOrderAt: isoOrNull(computed.lastOrderAt),
    },
    customTraits: snapshot.customTraits,
    consent: consent && {
      categoryPreferences: consent.categoryPreferences,
      at: iso(consent.at),
      messageId: consent.messageId,
    },
    device: device && { ...device, at: iso(device.at) },
    audiences: snapshot.audiences,
    mergedFrom: snapshot.mergedFrom,
    changed: snapshot.changed,
    updatedAt: iso(snapshot.updatedAt),
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : iso(ms);
}
