import { AvroCodec, TOPICS, type SchemaName, type TopicName } from '@tessera/contracts';
import { anEvent } from '@tessera/testing';
import type { ServiceName } from './fleet';
import { INPUTS } from './topics';

/** A record no consumer may take, and where it must end up. */
export interface PoisonRecord {
  /** Contract topic it is published to. */
  topic: TopicName;
  kind: string;
  key: Buffer;
  value: Buffer;
  headers: Record<string, string>;
  /**
   * `dead-letter`: parked on the topic's dead-letter topic by every group that reads it, with
   * `reason`; `rejected`: the raw topic's records go to the rejected-events topic with `reason`.
   */
  expect: { to: 'dead-letter' | 'rejected'; reason: string; groups: ServiceName[] };
}

/** The schema each Avro input topic is read as. */
const SCHEMA_OF: Partial<Record<TopicName, SchemaName>> = {
  [TOPICS.acceptedEvents]: 'Event',
  [TOPICS.privacyRequests]: 'PrivacyRequest',
  [TOPICS.profiles]: 'ProfileSnapshot',
  [TOPICS.audiences]: 'AudienceMembership',
  [TOPICS.privacyResolutions]: 'PrivacyResolution',
  [TOPICS.resolvedEvents]: 'ResolvedEvent',
  [TOPICS.identityMerges]: 'IdentityMerge',
  [TOPICS.privacyStatuses]: 'PrivacyStatus',
};

/**
 * The poison burst: on every input topic, bytes that are no Avro at all, a record whose header
 * names the topic's schema but whose body is cut off, and a record of another schema; on the
 * accepted-events topic also an Event no identity can be resolved for; on the raw topic (JSON or
 * Avro from outside) a record without a write key, bytes that are neither JSON nor Avro, a broken
 * Avro record, and events that break the Segment spec.
 */
export function poisonBurst(
  codec: AvroCodec,
  writeKey: string,
  tag: string,
  copies: number,
): PoisonRecord[] {
  const records: PoisonRecord[] = [];
  const readers = (topic: TopicName) =>
    (Object.keys(INPUTS) as ServiceName[]).filter((service) => INPUTS[service].includes(topic));
  for (let copy = 0; copy < copies; copy++) {
    const id = `poison-${tag}-${copy}`;
    for (const [topic, schema] of Object.entries(SCHEMA_OF) as [TopicName, SchemaName][]) {
      const key =
        topic === TOPICS.profiles || topic === TOPICS.audiences
          ? codec.encode('ProfileKey', { profileId: id })
          : Buffer.from(id);
      const dead = (reason: string) => ({
        to: 'dead-letter' as const,
        reason,
        groups: readers(topic),
      });
      records.push(
        {
          topic,
          kind: 'not-avro',
          key,
          value: Buffer.from(`${id}: not an Avro record`),
          headers: {},
          expect: dead('decode-error'),
        },
        {
          topic,
          kind: 'cut-off-body',
          key,
          value: Buffer.concat([headerOf(codec, schema), Buffer.alloc(12, 0xff)]),
          headers: {},
          expect: dead('decode-error'),
        },
        {
          topic,
          kind: 'other-schema',
          key,
          value: codec.encode('ProfileKey', { profileId: id }),
          headers: {},
          expect: dead('decode-error'),
        },
      );
    }
    records.push({
      topic: TOPICS.acceptedEvents,
      kind: 'unresolvable-event',
      key: Buffer.from(id),
      value: codec.encode('Event', anonymousEvent(`${id}-accepted`)),
      headers: {},
      expect: { to: 'dead-letter', reason: 'unresolvable_event', groups: ['identity'] },
    });
    const raw = (
      kind: string,
      value: Buffer,
      reason: string,
      headers: Record<string, string> = { 'tessera-write-key': writeKey },
    ) =>
      records.push({
        topic: TOPICS.rawEvents,
        kind,
        key: Buffer.from(id),
        value,
        headers,
        expect: { to: 'rejected', reason, groups: ['ingestion'] },
      });
    const call = { type: 'track', event: 'Poisoned', userId: id, messageId: `${id}-raw` };
    raw('no-write-key', Buffer.from(JSON.stringify(call)), 'unknown_source', {});
    raw('not-json', Buffer.from(`${id}: {neither json nor avro`), 'invalid_json');
    raw(
      'cut-off-avro',
      Buffer.concat([headerOf(codec, 'Event'), Buffer.alloc(12, 0xff)]),
      'undecodable',
    );
    raw(
      'spec-violating-json',
      Buffer.from(JSON.stringify({ type: 'track', messageId: `${id}-json` })),
      'invalid_event',
    );
    raw(
      'spec-violating-avro',
      codec.encode('Event', anonymousEvent(`${id}-avro`)),
      'invalid_event',
    );
  }
  return records;
}

/** `C3 01` and the schema's fingerprint: the single-object header of a record of `schema`. */
function headerOf(codec: AvroCodec, schema: SchemaName): Buffer {
  const header = Buffer.alloc(10);
  header[0] = 0xc3;
  header[1] = 0x01;
  header.writeBigUInt64LE(BigInt.asUintN(64, codec.fingerprintOf(schema)), 2);
  return header;
}

/** A track event with neither a user id nor an anonymous id: nothing to resolve it to. */
function anonymousEvent(messageId: string) {
  return anEvent({
    messageId,
    userId: null,
    anonymousId: null,
    event: 'Poisoned',
    sourceId: 'poison',
  });
}
