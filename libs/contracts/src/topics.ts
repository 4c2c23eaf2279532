import { InvalidTopicNameError } from './invalid-topic-name-error';

/** Contract topic names, `tessera.<entity>.<fact>.v<N>`; the only place topic names are written down. */
export const TOPICS = {
  rawEvents: 'tessera.events.raw.v1',
  acceptedEvents: 'tessera.events.accepted.v1',
  rejectedEvents: 'tessera.events.rejected.v1',
  resolvedEvents: 'tessera.events.resolved.v1',
  identityMerges: 'tessera.identity.merged.v1',
  profiles: 'tessera.profiles.snapshot.v1',
  audiences: 'tessera.audiences.membership.v1',
  privacyRequests: 'tessera.privacy.requested.v1',
  privacyResolutions: 'tessera.privacy.resolved.v1',
  privacyStatuses: 'tessera.privacy.status.v1',
} as const;

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

/**
 * Kafka settings a contract topic needs beyond the cluster's defaults. The profiles topic is
 * compacted: its latest record per profile is the profile, and a tombstone removes the key.
 */
export const TOPIC_CONFIGS: Partial<Record<TopicName, Readonly<Record<string, string>>>> = {
  [TOPICS.profiles]: { 'cleanup.policy': 'compact' },
};

/**
 * Headers of a tombstone on the profiles topic (its value is null, so compaction can drop the key):
 * why the profile went, and for a merge, where.
 */
export const TOMBSTONE_HEADERS = {
  /** `merged` (merged into another profile) or `deleted` (a privacy request). */
  reason: 'tessera-tombstone-reason',
  /** For `merged`: the id of the profile it was merged into. */
  mergedInto: 'tessera-merged-into',
} as const;

const CONTRACT_TOPIC = /^tessera\.([a-z][a-z0-9-]*)\.([a-z][a-z0-9-]*)\.v([1-9][0-9]*)$/;
const DEAD_LETTER_TOPIC = /\.dead-letter\.v[1-9][0-9]*$/;

/** The dead-letter topic of a contract topic: `tessera.x.y.vN` parks its failures on `tessera.x.y.dead-letter.vN`. */
export function deadLetterTopicFor(topic: string): string {
  if (DEAD_LETTER_TOPIC.test(topic)) {
    throw new InvalidTopicNameError(topic, 'it is already a dead-letter topic');
  }
  const match = CONTRACT_TOPIC.exec(topic);
  if (!match) throw new InvalidTopicNameError(topic);
  const [, entity, fact, version] = match;
  return `tessera.${entity}.${fact}.dead-letter.v${version}`;
}
