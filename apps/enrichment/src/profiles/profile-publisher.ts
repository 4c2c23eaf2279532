import { Injectable } from '@nestjs/common';
import { AvroCodec, TOPICS, TopicNames } from '@tessera/contracts';
import { KafkaPublisher, type OutboundRecord } from '@tessera/platform-kafka';
import { profileSnapshotOf } from './profile-snapshot';
import { ProfileStoreRepository } from './profile-store.repository';
import type { ProfileDocument } from './profile-store.schema';
import { isLive } from './stored-profile';

/**
 * Writes profile snapshots (and tombstones for merged-away profiles) to the compacted profiles
 * topic, keyed by profile id. Two replicas may publish versions of one profile in either order,
 * so after publishing, each checks the store: a profile that changed meanwhile is published again
 * as it is now, and the last record of every key is always the current profile.
 */
/** The replica that changes a profile last publishes it last; this only bounds a busy loop. */
const MAX_ROUNDS = 20;

@Injectable()
export class ProfilePublisher {
  constructor(
    private readonly publisher: KafkaPublisher,
    private readonly codec: AvroCodec,
    private readonly topics: TopicNames,
    private readonly store: ProfileStoreRepository,
  ) {}

  async publish(profiles: ProfileDocument[], mergedAway: string[] = []): Promise<void> {
    let snapshots = profiles;
    let tombstones = mergedAway;
    // Each round follows a change another replica made between our send and our read.
    for (let round = 0; snapshots.length + tombstones.length > 0 && round < MAX_ROUNDS; round++) {
      await this.send(snapshots, tombstones);
      const sent = new Map(snapshots.map((doc) => [doc._id, doc.version]));
      const now = [...(await this.store.findProfiles(sent.keys())).values()];
      snapshots = now.filter((doc) => isLive(doc) && doc.version !== sent.get(doc._id));
      tombstones = now.filter((doc) => doc.mergedInto !== null).map((doc) => doc._id);
    }
  }

  private async send(profiles: ProfileDocument[], mergedAway: string[]): Promise<void> {
    const records: OutboundRecord[] = [
      ...mergedAway.map((profileId) => ({ key: this.key(profileId), value: null })),
      ...profiles.map((doc) => ({
        key: this.key(doc._id),
        value: this.codec.encode('ProfileSnapshot', profileSnapshotOf(doc)),
      })),
    ];
    await this.publisher.publish({ [this.topics.resolve(TOPICS.profiles)]: records });
  }

  private key(profileId: string): Buffer {
    return this.codec.encode('ProfileKey', { profileId });
  }
}
