import { TOMBSTONE_HEADERS, type AudienceMembership } from '@tessera/contracts';
import { eventually } from '@tessera/testing';
import type { KafkaMessage } from 'kafkajs';
import { ActivationHarness, membership, snapshot } from './activation-harness';

interface Received {
  key: string;
  value: Buffer | null;
  headers: Record<string, string>;
}

function receivedOf(message: KafkaMessage): Received {
  return {
    key: message.key?.toString('hex') ?? '',
    value: message.value,
    headers: Object.fromEntries(
      Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]),
    ),
  };
}

describe('Kafka target subscriptions', () => {
  let harness: ActivationHarness;
  const json: Received[] = [];
  const avro: Received[] = [];
  let jsonTopic: string;
  let avroTopic: string;

  beforeAll(async () => {
    harness = await ActivationHarness.start('activation-kafka');
    jsonTopic = `crm.profiles.${harness.run.id}`;
    avroTopic = `warehouse.profiles.${harness.run.id}`;
    await harness.subscribe({
      id: 'crm',
      target: { type: 'kafka', topic: jsonTopic },
      filter: { profileUpdates: { fields: ['traits'] }, audiences: true, merges: true },
      consent: ['crm'],
    });
    await harness.subscribe({
      id: 'warehouse',
      target: { type: 'kafka', topic: avroTopic },
      filter: { profileUpdates: true, audiences: true, merges: true, deletions: true },
      format: 'avro',
    });
    await harness.follow(jsonTopic, (message) => json.push(receivedOf(message)));
    await harness.follow(avroTopic, (message) => avro.push(receivedOf(message)));
  });

  afterAll(async () => {
    await harness?.close();
  });

  it("writes the contract records themselves to an avro target, keyed by profile, in each profile's order", async () => {
    const profiles = ['k_a', 'k_b', 'k_c', 'k_d'];
    for (let version = 1; version <= 6; version++)
      await harness.publishSnapshots(
        profiles.map((id) =>
          snapshot(id, version, { traits: { plan: `v${version}` }, changed: ['traits.plan'] }),
        ),
      );
    await eventually(() => avro.length >= 24, 30_000, '24 snapshots on the avro target');
    for (const profileId of profiles) {
      const key = harness.codec.encode('ProfileKey', { profileId }).toString('hex');
      const versions = avro
        .filter((record) => record.key === key)
        .map((record) => harness.codec.decodeAs('ProfileSnapshot', record.value!).version);
      expect(versions).toEqual([1, 2, 3, 4, 5, 6]);
    }
    expect(avro[0].headers['tessera-message-type']).toBe('profile.updated');
    expect(avro[0].headers['tessera-message-id']).toMatch(/^msg_/);
  });

  it('writes JSON messages keyed by profile id, only for consenting profiles and the named fields', async () => {
    await harness.publishSnapshots([
      snapshot('k_yes', 1, {
        consent: { crm: true },
        traits: { plan: 'pro' },
        changed: ['traits.plan'],
      }),
      snapshot('k_yes', 2, { consent: { crm: true }, changed: ['computed.eventCount'] }),
      snapshot('k_no', 1, {
        consent: { crm: false },
        traits: { plan: 'pro' },
        changed: ['traits.plan'],
      }),
    ]);
    await harness.publishMemberships([
      membership('k_yes', 'vip', 'entered', 2, { crm: true }),
      membership('k_no', 'vip', 'entered', 1, { crm: false }),
    ]);
    await eventually(() => json.length >= 2, 30_000, 'two JSON messages');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const messages = json.map((record) => ({
      key: Buffer.from(record.key, 'hex').toString(),
      ...(JSON.parse(record.value!.toString()) as { type: string; data: Record<string, unknown> }),
    }));
    expect(messages.map((message) => [message.key, message.type])).toEqual([
      ['k_yes', 'profile.updated'],
      ['k_yes', 'audience.entered'],
    ]);
    expect(messages[0].data).toMatchObject({
      profileId: 'k_yes',
      version: 1,
      changed: ['traits.plan'],
    });
    expect(messages[1].data).toMatchObject({ audienceId: 'vip', profileVersion: 2 });
  });

  it('writes audience changes as AudienceMembership records and merges as tombstones with their headers', async () => {
    await harness.publishMemberships([membership('k_a', 'vip', 'entered', 6)]);
    await harness.publishTombstone('k_b', 'k_a');
    await harness.publishTombstone('k_c', null);
    const key = (profileId: string) =>
      harness.codec.encode('ProfileKey', { profileId }).toString('hex');
    await eventually(
      () => avro.filter((record) => record.value === null).length === 2,
      30_000,
      'two tombstones',
    );
    await eventually(
      () =>
        avro.some(
          (record) =>
            record.headers['tessera-message-type'] === 'audience.entered' &&
            record.key === key('k_a'),
        ),
      30_000,
      'the audience change',
    );
    const entered = avro.find(
      (record) =>
        record.headers['tessera-message-type'] === 'audience.entered' && record.key === key('k_a'),
    )!;
    expect(harness.codec.decodeAs('AudienceMembership', entered.value!)).toMatchObject<
      Partial<AudienceMembership>
    >({
      audienceId: 'vip',
      profileId: 'k_a',
      change: 'entered',
    });
    const merged = avro.find((record) => record.key === key('k_b') && record.value === null)!;
    expect(merged.headers).toMatchObject({
      'tessera-message-type': 'profile.merged',
      [TOMBSTONE_HEADERS.reason]: 'merged',
      [TOMBSTONE_HEADERS.mergedInto]: 'k_a',
    });
    const deleted = avro.find((record) => record.key === key('k_c') && record.value === null)!;
    expect(deleted.headers).toMatchObject({
      'tessera-message-type': 'profile.deleted',
      [TOMBSTONE_HEADERS.reason]: 'deleted',
    });
    // The JSON target asks for merges but not deletions.
    await eventually(
      () => json.some((record) => record.value?.toString().includes('profile.merged')),
      30_000,
      'the merge on the JSON target',
    );
    expect(json.some((record) => record.value?.toString().includes('profile.deleted'))).toBe(false);
  });

  it('disables a subscription whose topic was deleted, and goes on with the others', async () => {
    const doomedTopic = `doomed.profiles.${harness.run.id}`;
    await harness.subscribe({
      id: 'doomed',
      target: { type: 'kafka', topic: doomedTopic },
      filter: { profileUpdates: true },
    });
    const admin = harness.run.kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [doomedTopic] });
    await eventually(
      async () => !(await admin.listTopics()).includes(doomedTopic),
      30_000,
      'the topic gone',
    );
    await admin.disconnect();
    await harness.publishSnapshots([snapshot('k_z', 1)]);
    const key = harness.codec.encode('ProfileKey', { profileId: 'k_z' }).toString('hex');
    await eventually(
      () => avro.some((record) => record.key === key),
      90_000,
      'the other subscription still served',
    );
    const doomedNow = () =>
      harness.request<{ status: string; statusReason: string }>('GET', '/v1/subscriptions/doomed');
    // The producer gives up on the missing topic after its retries (about 12 s).
    await eventually(
      async () => (await doomedNow()).body.status === 'disabled',
      90_000,
      'the subscription disabled',
    );
    const doomed = await doomedNow();
    expect(doomed.body.statusReason).toMatch(/does not exist/);
    // The batch went on: a later change still reaches the other subscription.
    await harness.publishSnapshots([snapshot('k_z', 2)]);
    await eventually(
      () => avro.filter((record) => record.key === key).length === 2,
      60_000,
      'the next change delivered',
    );
  });

  it('refuses a Kafka target on a reserved topic', async () => {
    const answer = await harness.request('POST', '/v1/subscriptions', {
      target: { type: 'kafka', topic: 'tessera.profiles.snapshot.v1' },
      filter: { merges: true },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.message).toMatch(/reserved/);
  });
});
