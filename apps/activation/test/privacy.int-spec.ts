import { TOPICS, type PrivacyResolution, type PrivacyStatus } from '@tessera/contracts';
import { eventually, WebhookReceiver } from '@tessera/testing';
import type { KafkaMessage } from 'kafkajs';
import type { MessageDocument } from '../src/delivery/activation-store.schema';
import { DeliveryRepository, laneIdOf } from '../src/delivery/delivery.repository';
import { WebhookDispatcher } from '../src/delivery/webhook-dispatcher';
import { RouteChangesUseCase } from '../src/routing/route-changes.use-case';
import {
  ActivationHarness,
  membership,
  snapshot,
  type AttemptView,
  type FailedView,
  type SubscriptionView,
} from './activation-harness';

const DELETED = 'p_erased';
const MERGED = 'p_erased_merged';
const KEPT = 'p_kept';

/** What identifies the deleted person: none of it may stay in the store. */
const PERSONAL = [
  'ada.erased@example.com',
  'plan-of-the-erased',
  `u-${DELETED}`,
  'bob.merged@example.com',
  `u-${MERGED}`,
  'ada.late@example.com',
];

interface DeliveryEntry extends AttemptView {
  profileId: string;
  type: string;
}

/** Every retry half a second apart, 30 attempts: messages stay pending while the endpoint fails. */
const RETRIES = ['0', ...Array.from({ length: 29 }, () => '500ms')].join(',');

describe('privacy requests that delete a profile', () => {
  let harness: ActivationHarness;
  let crm: WebhookReceiver;
  let gone: WebhookReceiver;
  let failing = true;
  const statuses: PrivacyStatus[] = [];
  const kafkaTarget: { key: string; type: string; value: string }[] = [];
  let targetTopic: string;
  let erasedAt = 0;

  const deliveries = async (subscriptionId: string) =>
    (
      await harness.request<{ deliveries: DeliveryEntry[] }>(
        'GET',
        `/v1/subscriptions/${subscriptionId}/deliveries?limit=500`,
      )
    ).body.deliveries;
  const failed = async (subscriptionId: string) =>
    (
      await harness.request<{ failed: FailedView[] }>(
        'GET',
        `/v1/subscriptions/${subscriptionId}/failed`,
      )
    ).body.failed;
  const statusesOf = (requestId: string) => statuses.filter((s) => s.requestId === requestId);

  /** Every document of every collection of the service's database, as JSON. */
  async function storeAsJson(): Promise<string> {
    const client = await harness.run.mongoClient();
    const db = client.db(harness.config.mongo.database);
    const collections = await db.listCollections().toArray();
    const dumps = await Promise.all(
      collections.map(
        async ({ name }) =>
          `${name}: ${JSON.stringify(await db.collection(name).find().toArray())}`,
      ),
    );
    return dumps.join('\n');
  }

  async function storedOf(collection: string, profileIds: string[]) {
    const client = await harness.run.mongoClient();
    return client
      .db(harness.config.mongo.database)
      .collection<{ type?: string; queue?: string[]; status?: string }>(collection)
      .find({ profileId: { $in: profileIds } })
      .toArray();
  }

  async function erasures() {
    const client = await harness.run.mongoClient();
    return client
      .db(harness.config.mongo.database)
      .collection<{ _id: string; requestId: string }>('erasures')
      .find()
      .sort({ _id: 1 })
      .toArray();
  }

  async function publishResolution(resolution: PrivacyResolution): Promise<void> {
    await harness.publishRaw(
      TOPICS.privacyResolutions,
      harness.codec.encode('PrivacyRequestKey', { requestId: resolution.requestId }),
      harness.codec.encode('PrivacyResolution', resolution),
    );
  }

  const deletion: PrivacyResolution = {
    requestId: 'prq_delete',
    type: 'delete',
    profileId: DELETED,
    profileIds: [DELETED, MERGED],
    identifierHashes: ['a'.repeat(64), 'b'.repeat(64)],
    resolvedAt: Date.UTC(2026, 10, 2),
  };

  beforeAll(async () => {
    harness = await ActivationHarness.start('activation-privacy', {
      WEBHOOK_RETRY_SCHEDULE: RETRIES,
    });
    crm = await WebhookReceiver.start();
    gone = await WebhookReceiver.start();
    crm.answerWith(() => ({ status: failing ? 503 : 200 }));
    gone.answerWith(() => ({ status: 410 }));
    await harness.follow(harness.run.topics.resolve(TOPICS.privacyStatuses), (message) =>
      statuses.push(harness.codec.decodeAs('PrivacyStatus', message.value!)),
    );
    targetTopic = `warehouse.profiles.${harness.run.id}`;
    await harness.subscribe({
      id: 'gone',
      target: { type: 'webhook', url: gone.url },
      filter: { profileUpdates: true },
    });
    await harness.subscribe({
      id: 'crm',
      target: { type: 'webhook', url: crm.url },
      filter: { profileUpdates: true, audiences: true, merges: true, deletions: true },
    });
    await harness.subscribe({
      id: 'warehouse',
      target: { type: 'kafka', topic: targetTopic },
      filter: { profileUpdates: true, audiences: true, merges: true, deletions: true },
    });
    await harness.follow(targetTopic, (message: KafkaMessage) =>
      kafkaTarget.push({
        key: message.key?.toString() ?? '',
        type: String(message.headers?.['tessera-message-type']),
        value: message.value?.toString() ?? '',
      }),
    );
  });

  afterAll(async () => {
    await harness?.close();
    await crm?.close();
    await gone?.close();
  });

  it('removes the pending messages, dead letters and delivery log of the profile and of those merged into it, but not its deletion notice', async () => {
    await harness.publishSnapshots([
      snapshot(DELETED, 1, {
        traits: { email: 'ada.erased@example.com', plan: 'plan-of-the-erased' },
      }),
      snapshot(MERGED, 1, { traits: { email: 'bob.merged@example.com' } }),
    ]);
    // The 410 endpoint: a dead letter, and the subscription disabled (its other lane parked).
    await eventually(
      async () =>
        (await harness.request<SubscriptionView>('GET', '/v1/subscriptions/gone')).body.status ===
        'disabled',
      30_000,
      'the 410 subscription disabled',
    );
    await harness.publishSnapshots([
      snapshot(DELETED, 2, { traits: { email: 'ada.erased@example.com' }, changed: ['traits'] }),
      snapshot(KEPT, 1, { traits: { email: 'kept@example.com' } }),
      snapshot(KEPT, 2, { traits: { email: 'kept@example.com' } }),
    ]);
    await harness.publishMemberships([membership(DELETED, 'vip', 'entered', 2)]);
    await harness.publishTombstone(MERGED, DELETED);
    await harness.publishTombstone(DELETED, null);
    await eventually(
      async () => {
        const log = await deliveries('crm');
        return (
          log.filter((entry) => entry.profileId === DELETED).length >= 2 &&
          log.some((entry) => entry.profileId === KEPT) &&
          (await storedOf('messages', [DELETED])).some(
            (message) => message.type === 'profile.deleted',
          ) &&
          (await storedOf('messages', [MERGED])).some(
            (message) => message.type === 'profile.merged',
          )
        );
      },
      30_000,
      "the deleted profile's messages stored, its first one retried",
    );
    expect(await failed('gone')).not.toHaveLength(0);
    expect(await storeAsJson()).toContain('ada.erased@example.com');

    await publishResolution(deletion);
    const status = await eventually(() => statusesOf('prq_delete')[0], 30_000, 'the status');
    erasedAt = Date.now();
    expect(status).toMatchObject({ service: 'activation', status: 'done' });
    expect(status.detail).toMatch(
      /^deleted \d+ pending messages, \d+ failed messages? and \d+ delivery log entries of 2 profiles$/,
    );

    const store = await storeAsJson();
    for (const value of PERSONAL) expect(store).not.toContain(value);
    const left = await storedOf('messages', [DELETED, MERGED]);
    expect(left.map((message) => message.type)).toEqual(['profile.deleted']);
    expect(JSON.parse(String((left[0] as { body?: string }).body))).toMatchObject({
      type: 'profile.deleted',
      data: { profileId: DELETED },
    });
    const lanes = await storedOf('lanes', [DELETED, MERGED]);
    expect(lanes.flatMap((lane) => lane.queue)).toEqual([
      (left[0] as unknown as { _id: string })._id,
    ]);
    for (const entry of await storedOf('attempts', [DELETED, MERGED]))
      expect(entry.type).toBe('profile.deleted');
    expect(await erasures()).toMatchObject([
      { _id: DELETED, requestId: 'prq_delete' },
      { _id: MERGED, requestId: 'prq_delete' },
    ]);
  });

  it('shows nothing of the deleted profiles in the delivery log and the failed lists but the deletion notice', async () => {
    const erased = (entry: { profileId: string }) =>
      entry.profileId === DELETED || entry.profileId === MERGED;
    for (const entry of (await deliveries('crm')).filter(erased))
      expect(entry.type).toBe('profile.deleted');
    for (const id of ['crm', 'gone']) expect((await failed(id)).filter(erased)).toEqual([]);
    expect((await deliveries('gone')).filter(erased)).toEqual([]);
    expect((await deliveries('crm')).some((entry) => entry.profileId === KEPT)).toBe(true);
  });

  it('drops a change with profile data of the deleted profile routed after the deletion', async () => {
    const router = harness.replicas[0].app.get(RouteChangesUseCase);
    const dropped = router.droppedOfErasedProfiles;
    await harness.publishSnapshots([
      snapshot(DELETED, 3, { traits: { email: 'ada.late@example.com' }, changed: ['traits'] }),
    ]);
    await harness.publishMemberships([membership(DELETED, 'vip', 'exited', 3)]);
    // The deletion notice of the merged-away profile, routed only now, still goes out.
    await harness.publishTombstone(MERGED, null);
    await eventually(
      () => router.droppedOfErasedProfiles >= dropped + 2,
      30_000,
      'both changes dropped',
    );
    await eventually(
      async () =>
        (await storedOf('messages', [MERGED])).some(
          (message) => message.type === 'profile.deleted',
        ),
      30_000,
      'the later deletion notice stored',
    );
    expect(await storeAsJson()).not.toContain('ada.late@example.com');
    expect((await storedOf('messages', [DELETED])).map((message) => message.type)).toEqual([
      'profile.deleted',
    ]);
    expect(
      kafkaTarget.filter(
        (record) =>
          record.key === DELETED &&
          (record.type === 'audience.exited' || record.value.includes('ada.late@example.com')),
      ),
    ).toEqual([]);
  });

  it('does nothing harmful when the resolution is delivered again, and reports the same', async () => {
    const before = await storeAsJson();
    await publishResolution(deletion);
    await eventually(() => statusesOf('prq_delete').length === 2, 30_000, 'the second status');
    const [first, second] = statusesOf('prq_delete');
    expect(second).toMatchObject({ status: 'done', detail: first.detail });
    expect((await storedOf('messages', [DELETED])).map((message) => message.type)).toEqual([
      'profile.deleted',
    ]);
    for (const value of PERSONAL) expect(before + (await storeAsJson())).not.toContain(value);
  });

  it('delivers the deletion notice and the other profiles once the endpoint recovers, and no data of the deleted one', async () => {
    failing = false;
    await eventually(
      () =>
        [DELETED, MERGED].every((profileId) =>
          crm
            .ofType('profile.deleted')
            .some((request) => request.payload.data.profileId === profileId),
        ) &&
        [1, 2].every((version) =>
          crm.requests.some(
            (request) =>
              request.at >= erasedAt &&
              request.payload.data.profileId === KEPT &&
              request.payload.data.version === version,
          ),
        ),
      30_000,
      'the deletion notice and the kept profile delivered',
    );
    const afterwards = crm.requests.filter(
      (request) =>
        request.at > erasedAt &&
        (request.payload.data.profileId === DELETED || request.payload.data.profileId === MERGED),
    );
    expect(afterwards.map((request) => request.payload.type)).toEqual(
      afterwards.map(() => 'profile.deleted'),
    );
    expect(afterwards.length).toBeGreaterThan(0);
    // Records written to a Kafka target before cannot be recalled; the notice tells the reader.
    expect(
      kafkaTarget.some((record) => record.key === DELETED && record.type === 'profile.deleted'),
    ).toBe(true);
  });

  it('deletes nothing for a suppress request and reports done', async () => {
    const before = await storedOf('messages', [KEPT]);
    await publishResolution({
      ...deletion,
      requestId: 'prq_suppress',
      type: 'suppress',
      profileId: KEPT,
      profileIds: [KEPT],
    });
    const status = await eventually(() => statusesOf('prq_suppress')[0], 30_000, 'the status');
    expect(status).toMatchObject({
      service: 'activation',
      status: 'done',
      detail: 'nothing to delete for a suppress request',
    });
    expect(await storedOf('messages', [KEPT])).toHaveLength(before.length);
    expect((await erasures()).map((erasure) => erasure._id)).toEqual([DELETED, MERGED]);
    expect(await storeAsJson()).toContain('kept@example.com');
  });

  it('reports nothing found for a deletion the identity service could not resolve', async () => {
    await publishResolution({
      ...deletion,
      requestId: 'prq_unknown',
      profileId: null,
      profileIds: [],
    });
    const status = await eventually(() => statusesOf('prq_unknown')[0], 30_000, 'the status');
    expect(status).toMatchObject({ status: 'done', detail: 'nothing found' });
  });

  it('leaves a lane a replica holds consistent: a settle does not bring a deleted message back, and the holder ends the lane', async () => {
    const deliveryStore = harness.replicas[0].app.get(DeliveryRepository);
    const now = Date.now();
    const later = now + 3_600_000;
    const message = (id: string, profileId: string, type: MessageDocument['type']) => ({
      _id: id,
      subscriptionId: 'held',
      profileId,
      type,
      body: JSON.stringify({
        type,
        data: type === 'profile.deleted' ? { profileId } : { profileId, email: 'held@example.com' },
      }),
      status: 'pending' as const,
      attempts: 0,
      createdAt: now,
      nextAttemptAt: later,
      lastStatusCode: null,
      lastError: null,
      settledAt: null,
    });
    // Held by a replica that is not there: the dispatcher leaves these lanes alone.
    const holder = { owner: 'another-replica', leaseUntil: later };
    await deliveryStore.enqueue(
      [
        message('msg_held_1', 'p_held', 'profile.updated'),
        message('msg_held_2', 'p_held', 'profile.updated'),
        message('msg_held_3', 'p_held', 'profile.deleted'),
        message('msg_held_4', 'p_held_only', 'profile.updated'),
      ],
      later,
      holder,
    );
    const removed = await deliveryStore.eraseProfiles(['p_held', 'p_held_only'], Date.now());
    expect(removed.get('p_held')).toMatchObject({ pendingMessages: 2 });

    const lane = laneIdOf('held', 'p_held');
    const update = {
      status: 'delivered' as const,
      attempts: 1,
      nextAttemptAt: null,
      lastStatusCode: 200,
      lastError: null,
    };
    // The holder finishes the attempt it had in flight on the first message.
    expect(await deliveryStore.settle('msg_held_1', update)).toBe(false);
    expect(await deliveryStore.message('msg_held_1')).toBeNull();
    expect(await deliveryStore.removeIfOnly(lane, holder.owner, 'msg_held_1')).toBe(false);
    expect((await deliveryStore.pop(lane, holder.owner, 'msg_held_1', later))?.queue).toEqual([
      'msg_held_3',
    ]);
    // A held lane left empty stays the holder's to remove.
    const emptied = laneIdOf('held', 'p_held_only');
    expect((await deliveryStore.renew(emptied, holder.owner, later))?.queue).toEqual([]);
    expect(await deliveryStore.removeIfEmpty(emptied, holder.owner)).toBe(true);
    expect(await storeAsJson()).not.toContain('held@example.com');
  });

  it('removes the log entry of an attempt that was in flight while the profile was deleted', async () => {
    const slow = await WebhookReceiver.start();
    try {
      // Answered after WEBHOOK_TIMEOUT_MS (2 s): the attempt ends as a timeout, to be retried.
      slow.answerWith(() => ({ status: 200, delayMs: 3_000 }));
      await harness.subscribe({
        id: 'slow',
        target: { type: 'webhook', url: slow.url },
        filter: { profileUpdates: true },
      });
      await harness.publishSnapshots([
        snapshot('p_in_flight', 1, { traits: { email: 'in.flight@example.com' } }),
      ]);
      await eventually(() => slow.requests.length === 1, 30_000, 'the attempt under way');
      await publishResolution({
        ...deletion,
        requestId: 'prq_in_flight',
        profileId: 'p_in_flight',
        profileIds: ['p_in_flight'],
      });
      const status = await eventually(() => statusesOf('prq_in_flight')[0], 30_000, 'the status');
      expect(status.detail).toMatch(/^deleted \d+ pending messages?.* of 1 profile$/);
      await harness.replicas[0].app.get(WebhookDispatcher).idle();
      expect(await storedOf('attempts', ['p_in_flight'])).toEqual([]);
      expect(await storedOf('messages', ['p_in_flight'])).toEqual([]);
      // The attempt timed out, so its lane, now empty, was let go due: the next run removes it.
      await eventually(
        async () => (await storedOf('lanes', ['p_in_flight'])).length === 0,
        30_000,
        'the empty lane removed',
      );
      expect(await storeAsJson()).not.toContain('in.flight@example.com');
    } finally {
      await slow.close();
    }
  });
});
