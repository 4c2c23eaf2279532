import { Inject, Injectable } from '@nestjs/common';
import type { JsonObject, ProfileSnapshot } from '@tessera/contracts';
import {
  IDENTIFIER_TYPE,
  identifierKey,
  identityRules,
  normaliseIdentifier,
  type IdentityRules,
} from '@tessera/identity';
import { computedTraits, type ComputedTraits, type ProfileState } from '@tessera/profile';
import { ENRICHMENT_CONFIG } from '../config/enrichment-config.token';
import type { EnrichmentConfig } from '../config/enrichment.config';
import { ProfileDefinitions } from '../audiences/profile-definitions';
import { customTraitsOf, deviceOf, traitsObject } from '../profiles/profile-snapshot';
import { ProfileStoreRepository } from '../profiles/profile-store.repository';
import type { ProfileDocument } from '../profiles/profile-store.schema';
import { isLive, stateOf } from '../profiles/stored-profile';

/** A question the API cannot answer as asked (a malformed identifier, limit or cursor). */
export class InvalidQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidQueryError';
  }
}

export interface ProfileView {
  profileId: string;
  /** The id asked for (profileId for a lookup by identifier); differs from profileId when that profile was merged into this one. */
  requestedId: string;
  version: number;
  identifiers: { type: string; value: string }[];
  traits: JsonObject;
  computed: ComputedTraits;
  /** User-defined computed traits, now. */
  customTraits: JsonObject;
  consent: { categoryPreferences: Record<string, boolean>; at: string } | null;
  device: (Omit<NonNullable<ProfileSnapshot['device']>, 'at'> & { at: string }) | null;
  mergedFrom: string[];
  updatedAt: string;
}

export interface TimelineView {
  profileId: string;
  events: {
    messageId: string;
    type: string;
    event: string | null;
    name: string | null;
    at: string;
    receivedAt: string;
    sourceId: string;
    properties: JsonObject;
  }[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  next: string | null;
}

const MAX_LIMIT = 200;

/** Read side of the profiles for the Profile API; merges are followed to the live profile. */
@Injectable()
export class ProfileQueries {
  private readonly rules: IdentityRules;

  constructor(
    private readonly store: ProfileStoreRepository,
    private readonly definitions: ProfileDefinitions,
    @Inject(ENRICHMENT_CONFIG) config: EnrichmentConfig,
  ) {
    this.rules = identityRules({ defaultRegion: config.fold.defaultRegion });
  }

  async profile(id: string): Promise<ProfileView | null> {
    const doc = await this.live(id);
    return doc && this.viewOf(doc, id);
  }

  /** `email:ana@example.com`: the value is normalised as the identity service does. */
  async byIdentifier(identifier: string): Promise<ProfileView | null> {
    const colon = identifier.indexOf(':');
    const type = identifier.slice(0, colon);
    if (colon < 0 || !IDENTIFIER_TYPE.test(type))
      throw new InvalidQueryError(
        `identifier must be <type>:<value>, e.g. email:ana@example.com; got ${JSON.stringify(identifier)}`,
      );
    const normalised = normaliseIdentifier(type, identifier.slice(colon + 1), this.rules);
    if (!normalised.ok) throw new InvalidQueryError(`not a usable ${type}: ${normalised.reason}`);
    const link = await this.store.findIdentifier(identifierKey({ type, value: normalised.value }));
    if (!link) return null;
    // No profile id was asked for: the answer names the live profile only.
    const doc = await this.live(link.profileId);
    return doc && this.viewOf(doc, doc._id);
  }

  async timeline(id: string, limitText?: string, cursor?: string): Promise<TimelineView | null> {
    const limit = limitOf(limitText);
    const after = cursor === undefined ? null : cursorOf(cursor);
    const doc = await this.live(id);
    if (!doc) return null;
    const page = await this.store.timelinePage([doc._id, ...doc.absorbed], limit, after);
    return {
      profileId: doc._id,
      events: page.events.map((entry) => ({
        messageId: entry._id,
        type: entry.type,
        event: entry.event,
        name: entry.name,
        at: new Date(entry.at).toISOString(),
        receivedAt: new Date(entry.receivedAt).toISOString(),
        sourceId: entry.sourceId,
        properties: JSON.parse(entry.properties) as JsonObject,
      })),
      next: page.next && Buffer.from(JSON.stringify(page.next)).toString('base64url'),
    };
  }

  private viewOf(doc: ProfileDocument, requestedId: string): ProfileView {
    const state = stateOf(doc);
    return {
      profileId: doc._id,
      requestedId,
      version: doc.version,
      identifiers: state.identifiers,
      traits: traitsObject(state),
      computed: computedTraits(state, Date.now()),
      customTraits: customTraitsOf(state, this.definitions.computedTraits(), Date.now()),
      consent: state.consent && {
        categoryPreferences: state.consent.categoryPreferences,
        at: new Date(state.consent.at).toISOString(),
      },
      device: deviceView(state),
      mergedFrom: doc.absorbed,
      updatedAt: new Date(doc.updatedAt).toISOString(),
    };
  }

  /** The live profile `id` is or was merged into; null when there is none. */
  private async live(id: string): Promise<ProfileDocument | null> {
    let at = id;
    for (let hop = 0; hop < 64; hop++) {
      const doc = (await this.store.findProfiles([at])).get(at);
      if (!doc) return null;
      if (isLive(doc)) return doc;
      at = (doc.mergedInto ?? doc.mergingInto) as string;
    }
    return null;
  }
}

function deviceView(state: ProfileState): ProfileView['device'] {
  const device = deviceOf(state);
  return device && { ...device, at: new Date(device.at).toISOString() };
}

function limitOf(text: string | undefined): number {
  if (text === undefined) return 50;
  const limit = /^\d{1,3}$/.test(text) ? Number(text) : NaN;
  if (!(limit >= 1 && limit <= MAX_LIMIT))
    throw new InvalidQueryError(`limit must be a whole number from 1 to ${MAX_LIMIT}`);
  return limit;
}

function cursorOf(text: string): { at: number; id: string } {
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString()) as {
      at: unknown;
      id: unknown;
    };
    if (typeof value.at === 'number' && typeof value.id === 'string')
      return { at: value.at, id: value.id };
  } catch {
    // reported below
  }
  throw new InvalidQueryError('cursor is not one this API returned as next');
}
