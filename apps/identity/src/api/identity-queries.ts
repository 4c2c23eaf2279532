import { Inject, Injectable } from '@nestjs/common';
import { IDENTIFIER_TYPE, identifierKey, normaliseIdentifier } from '@tessera/identity';
import { IDENTITY_CONFIG } from '../config/identity-config.token';
import type { IdentityConfig } from '../config/identity.config';
import { GraphReader, rootIn } from '../graph/graph-reader';
import { IdentityGraphRepository } from '../graph/identity-graph.repository';
import { PrivacyRepository } from '../privacy/privacy.repository';

/** A question the API cannot answer as asked (unknown type, a value that is not one). */
export class InvalidLookupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidLookupError';
  }
}

export interface ProfileView {
  profileId: string;
  /** Set when the id asked for was merged: the profile it lives on in now. */
  requestedId: string;
  identifiers: { type: string; value: string; firstSeen: string; lastSeen: string }[];
  /** Profiles merged into this one, directly or through others. */
  merged: string[];
  mergeHistory: {
    from: string;
    into: string;
    reason: string;
    messageId: string;
    identifiers: { type: string; value: string }[];
    at: string;
  }[];
}

/** Read side of the identity graph for the API. */
@Injectable()
export class IdentityQueries {
  constructor(
    private readonly graph: IdentityGraphRepository,
    private readonly reader: GraphReader,
    private readonly privacy: PrivacyRepository,
    @Inject(IDENTITY_CONFIG) private readonly config: IdentityConfig,
  ) {}

  /** The live profile holding an identifier, or null when it is not linked to one. */
  async resolve(
    type: string,
    value: string,
  ): Promise<{ profileId: string; identifier: { type: string; value: string } } | null> {
    if (!IDENTIFIER_TYPE.test(type))
      throw new InvalidLookupError(`type ${JSON.stringify(type)} is not an identifier type`);
    const normalised = normaliseIdentifier(type, value, this.config.rules);
    if (!normalised.ok) throw new InvalidLookupError(`value: ${normalised.reason}`);
    const identifier = { type, value: normalised.value };
    await this.syncDeletions();
    const view = await this.reader.read([identifierKey(identifier)]);
    const profile = view.linkOf.get(identifierKey(identifier));
    if (profile === undefined) return null;
    const root = rootIn(view, profile);
    // A link whose profile is gone is being deleted (a privacy request): nobody holds it.
    return view.roots.has(root) ? { profileId: root, identifier } : null;
  }

  /** A profile as it stands (following merges from the id asked for), or null if there is none. */
  async profile(id: string): Promise<ProfileView | null> {
    await this.syncDeletions();
    const view = await this.reader.read([], [id]);
    const root = rootIn(view, id);
    const profile = view.roots.get(root);
    if (!profile) return null;
    const merges = await this.graph.mergesOf(profile.absorbed ?? []);
    // Last seen is kept on each identifier's link (to the minute), first seen on the member.
    const links = await this.graph.findIdentifiers(profile.members.map(identifierKey));
    return {
      profileId: root,
      requestedId: id,
      identifiers: profile.members.map((member) => {
        const lastSeen = links.get(identifierKey(member))?.lastSeen?.getTime();
        return {
          type: member.type,
          value: member.value,
          firstSeen: new Date(member.linkedAt).toISOString(),
          lastSeen: new Date(lastSeen ?? member.lastSeen ?? member.linkedAt).toISOString(),
        };
      }),
      merged: [...(profile.absorbed ?? [])].sort(),
      mergeHistory: merges
        .sort((a, b) => a.at.getTime() - b.at.getTime())
        .map((merge) => ({
          from: merge._id,
          into: merge.into,
          reason: merge.reason,
          messageId: merge.messageId,
          identifiers: merge.identifiers,
          at: merge.at.toISOString(),
        })),
    };
  }

  /** Drops the caches of the graph if a privacy deletion happened since they were filled. */
  private async syncDeletions(): Promise<void> {
    this.reader.syncDeletions(await this.privacy.deletions());
  }
}
