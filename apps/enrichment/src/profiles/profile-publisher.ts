import { Injectable, Logger } from '@nestjs/common';
import type { Context } from '@opentelemetry/api';
import { AvroCodec, TOMBSTONE_HEADERS, TOPICS, TopicNames } from '@tessera/contracts';
import { KafkaPublisher, type OutboundRecord } from '@tessera/platform-kafka';
import { ProfileDefinitions } from '../audiences/profile-definitions';
import { profileSnapshotOf } from './profile-snapshot';
import { ProfileStoreRepository } from './profile-store.repository';
import type { ProfileDocument } from './profile-store.schema';
import { isLive, stateOf } from './stored-profile';

/** The replica that changes a profile last publishes it last; this only bounds a busy loop. */
const MAX_ROUNDS = 20;
/** Tombstone and audience exit reason of a profile deleted by a privacy request. */
const DELETED = 'deleted';

/**
 * Writes profile snapshots (tombstones for merged-away profiles) to the compacted profiles topic,
 * and their entered / exited audience changes to the audiences topic, keyed by profile id. Two
 * replicas may publish versions of one profile in either order, so after publishing, each checks
 * the store: a profile that changed meanwhile is published again as it is now, and the last record
 * of every key is always the current profile.
 */
@Injectable()
export class ProfilePublisher {
  private readonly logger = new Logger(ProfilePublisher.name);

  constructor(
    private readonly publisher: KafkaPublisher,
    private readonly codec: AvroCodec,
    private readonly topics: TopicNames,
    private readonly store: ProfileStoreRepository,
    private readonly definitions: ProfileDefinitions,
  ) {}

  /**
   * Snapshots of live profiles and tombstones of merged-away ones, each with its audience changes;
   * a profile's records join its trace in `traces` (by profile id), the active one otherwise.
   */
  async publish(
    profiles: ProfileDocument[],
    mergedAway: ProfileDocument[] = [],
    traces: ReadonlyMap<string, Context> = new Map(),
  ): Promise<void> {
    let snapshots = profiles;
    let tombstones = mergedAway;
    const deleted: ProfileDocument[] = [];
    // Each round follows a change another replica made between our send and our read.
    for (let round = 0; snapshots.length + tombstones.length > 0 && round < MAX_ROUNDS; round++) {
      await this.send(snapshots, tombstones, traces);
      const found = await this.store.findProfiles(snapshots.map((doc) => doc._id));
      // Deleted by a privacy request meanwhile: our snapshot may have landed after its tombstone.
      deleted.push(...snapshots.filter((doc) => !found.has(doc._id)));
      const sent = new Map(snapshots.map((doc) => [doc._id, doc.version]));
      const now = [...found.values()];
      snapshots = now.filter((doc) => isLive(doc) && doc.version !== sent.get(doc._id));
      tombstones = now.filter((doc) => doc.mergedInto !== null);
    }
    if (snapshots.length + tombstones.length > 0)
      this.logger.warn(
        `profiles ${[...snapshots, ...tombstones].map((doc) => doc._id).join(', ')} kept changing while published; their latest writers publish them`,
      );
    if (deleted.length > 0) {
      await this.publishExits(deleted);
      await this.publishDeleted(deleted.map((doc) => doc._id));
    }
  }

  /**
   * The exits of profiles a privacy request deletes, from every audience they are in (reason
   * `deleted`), as the version after the one stored: audience subscribers drop them.
   */
  async publishExits(docs: ProfileDocument[]): Promise<void> {
    const now = Date.now();
    const exits = docs.flatMap((doc) =>
      doc.audiences.map((audienceId) => ({
        key: this.key(doc._id),
        value: this.codec.encode('AudienceMembership', {
          audienceId,
          change: 'exited',
          reason: DELETED,
          profileId: doc._id,
          profileVersion: doc.version + 1,
          at: now,
          consent: doc.state ? (stateOf(doc).consent?.categoryPreferences ?? null) : null,
        }),
      })),
    );
    if (exits.length > 0)
      await this.publisher.publish({ [this.topics.resolve(TOPICS.audiences)]: exits });
  }

  /**
   * Tombstones of deleted profiles (reason `deleted`). A merge pointer among `pointers` gets its
   * `merged` tombstone again instead: its key's last record is that already, unless its merge
   * stopped before publishing (a merge of a deleted profile is not carried out again).
   */
  async publishDeleted(ids: string[], pointers: ProfileDocument[] = []): Promise<void> {
    const mergedInto = new Map(
      pointers.filter((doc) => doc.mergedInto !== null).map((doc) => [doc._id, doc.mergedInto]),
    );
    const records = [...new Set(ids)].map((id) => ({
      key: this.key(id),
      value: null,
      headers: mergedInto.has(id)
        ? {
            [TOMBSTONE_HEADERS.reason]: 'merged',
            [TOMBSTONE_HEADERS.mergedInto]: mergedInto.get(id) ?? '',
          }
        : { [TOMBSTONE_HEADERS.reason]: DELETED },
    }));
    if (records.length > 0)
      await this.publisher.publish({ [this.topics.resolve(TOPICS.profiles)]: records });
  }

  private async send(
    profiles: ProfileDocument[],
    mergedAway: ProfileDocument[],
    traces: ReadonlyMap<string, Context>,
  ): Promise<void> {
    const live = new Map(profiles.map((doc) => [doc._id, doc]));
    const changes = [...mergedAway, ...profiles].flatMap((doc) => {
      if (doc.audienceChanges.length === 0) return [];
      // Subscribers that require consent judge the change by the profile's consent at it; a
      // merged-away profile holds no state, and its person's consent is now the survivor's.
      const holder = doc.state === null && doc.mergedInto ? live.get(doc.mergedInto) : doc;
      const consent = holder ? (stateOf(holder).consent?.categoryPreferences ?? null) : null;
      return doc.audienceChanges.map((change) => ({
        key: this.key(doc._id),
        value: this.codec.encode('AudienceMembership', {
          ...change,
          profileId: doc._id,
          profileVersion: doc.version,
          at: doc.updatedAt,
          consent,
        }),
        traceContext: traces.get(doc._id),
      }));
    });
    const records: OutboundRecord[] = [
      ...mergedAway.map((doc) => ({
        key: this.key(doc._id),
        value: null,
        headers: {
          [TOMBSTONE_HEADERS.reason]: 'merged',
          [TOMBSTONE_HEADERS.mergedInto]: doc.mergedInto ?? '',
        },
        traceContext: traces.get(doc._id),
      })),
      ...profiles.map((doc) => ({
        key: this.key(doc._id),
        value: this.codec.encode(
          'ProfileSnapshot',
          profileSnapshotOf(doc, this.definitions.computedTraits()),
        ),
        traceContext: traces.get(doc._id),
      })),
    ];
    await this.publisher.publish({
      [this.topics.resolve(TOPICS.profiles)]: records,
      [this.topics.resolve(TOPICS.audiences)]: changes,
    });
  }

  private key(profileId: string): Buffer {
    return this.codec.encode('ProfileKey', { profileId });
  }
}
