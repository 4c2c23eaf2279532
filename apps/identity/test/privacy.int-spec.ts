import type {
  Event,
  PrivacyIdentifier,
  PrivacyRequest,
  PrivacyRequestType,
  PrivacyResolution,
  PrivacyStatus,
} from '@tessera/contracts';
import { identifierHash } from '@tessera/identity';
import {
  anEvent,
  eventually,
  freePort,
  startService,
  waitForReady,
  type StartedService,
} from '@tessera/testing';
import { randomUUID } from 'node:crypto';
import { IdentityHarness } from './identity-harness';

const id = () => randomUUID().slice(0, 8);

/** Events the service received now (the factory's default is long ago, before any deletion). */
const freshEvent = (overrides: Partial<Event>): Event =>
  anEvent({ receivedAt: Date.now(), ...overrides });

/** Requests, what identity answered to them, and what its store holds: shared by both suites. */
class PrivacyProbe {
  constructor(private readonly harness: IdentityHarness) {}

  hash(type: string, value: string): string {
    return identifierHash({ type, value }, this.harness.config.privacyHashKey);
  }

  async request(type: PrivacyRequestType, identifier: PrivacyIdentifier): Promise<PrivacyRequest> {
    const request = { requestId: `prq_${id()}`, type, identifier, requestedAt: Date.now() };
    await this.harness.publishPrivacyRequest(request);
    return request;
  }

  /** The nth resolution and status identity published for a request (1 = the first). */
  async outcome(
    requestId: string,
    nth = 1,
    timeoutMs = 60_000,
  ): Promise<{ resolution: PrivacyResolution; status: PrivacyStatus }> {
    const status = await eventually(
      () => this.harness.privacyStatuses.filter((s) => s.requestId === requestId)[nth - 1],
      timeoutMs,
      `status ${nth} of ${requestId}`,
    );
    const resolution = await eventually(
      () => this.harness.privacyResolutions.filter((r) => r.requestId === requestId)[nth - 1],
      10_000,
      `resolution ${nth} of ${requestId}`,
    );
    return { resolution, status };
  }

  /** Every document of every collection of the service's database, as JSON. */
  async storedText(): Promise<string> {
    const db = await this.harness.db();
    const names = (await db.listCollections().toArray()).map((collection) => collection.name);
    const documents = await Promise.all(names.map((name) => db.collection(name).find().toArray()));
    return JSON.stringify(Object.fromEntries(names.map((name, n) => [name, documents[n]])));
  }

  async resolvedOf(event: Event) {
    return eventually(
      () => this.harness.resolved.find((resolved) => resolved.messageId === event.messageId),
      60_000,
      `event ${event.messageId} resolved`,
    );
  }

  wasResolved(event: Event): boolean {
    return this.harness.resolved.some((resolved) => resolved.messageId === event.messageId);
  }
}

describe('the identity service carries out privacy requests', () => {
  let harness: IdentityHarness;
  let probe: PrivacyProbe;

  beforeAll(async () => {
    harness = await IdentityHarness.start('identity-privacy');
    probe = new PrivacyProbe(harness);
  }, 90_000);

  afterAll(() => harness.close());

  /** Two profiles (an anonymous visitor; a known email), merged by an event carrying both. */
  async function mergedProfile() {
    const [anonA, anonB, email] = [`a-${id()}`, `b-${id()}`, `${id()}@example.org`];
    const first = freshEvent({ userId: null, anonymousId: anonA });
    const second = freshEvent({
      userId: null,
      anonymousId: anonB,
      context: { traits: { email } },
    });
    await harness.publishAndResolve([first, second]);
    const profileIds = [
      (await probe.resolvedOf(first)).profileId,
      (await probe.resolvedOf(second)).profileId,
    ].sort();
    const linking = freshEvent({
      userId: null,
      anonymousId: anonA,
      context: { traits: { email } },
    });
    await harness.publishAndResolve([linking]);
    return { anonA, anonB, email, profileIds };
  }

  it('deletes a merged profile named by one identifier: both profiles, every identifier, hashes kept', async () => {
    const { anonA, anonB, email, profileIds } = await mergedProfile();
    expect(profileIds[0]).not.toBe(profileIds[1]);
    expect((await harness.api(`/v1/identity/profiles/${profileIds[1]}`)).status).toBe(200);

    const request = await probe.request('delete', { type: 'email', value: email });
    const { resolution, status } = await probe.outcome(request.requestId);

    expect(resolution).toMatchObject({
      requestId: request.requestId,
      type: 'delete',
      profileId: profileIds[0],
      profileIds,
    });
    expect([...resolution.identifierHashes].sort()).toEqual(
      [
        probe.hash('anonymous_id', anonA),
        probe.hash('anonymous_id', anonB),
        probe.hash('email', email),
      ].sort(),
    );
    expect(status).toMatchObject({
      requestId: request.requestId,
      service: 'identity',
      status: 'done',
      detail: 'deleted 2 profiles and 3 identifiers',
    });
    const stored = await probe.storedText();
    for (const value of [anonA, anonB, email]) expect(stored).not.toContain(value);
    expect(stored).toContain(probe.hash('email', email));
  });

  it('removes a deleted identifier from the merge record of another profile that names it', async () => {
    const email = `${id()}@example.org`;
    await harness.publishAndResolve([
      freshEvent({ userId: null, anonymousId: `a-${id()}`, context: { traits: { email } } }),
    ]);
    // A merge that planned to link the email while another replica linked it elsewhere.
    const merges = (await harness.db()).collection<Record<string, unknown> & { _id: string }>(
      'merges',
    );
    const other = `p_other-${id()}`;
    await merges.insertOne({
      _id: other,
      into: `p_into-${id()}`,
      reason: 'test',
      messageId: `m-${id()}`,
      identifiers: [
        { type: 'email', value: email },
        { type: 'anonymous_id', value: 'kept' },
      ],
      at: new Date(),
    });
    const request = await probe.request('delete', { type: 'email', value: email });
    await probe.outcome(request.requestId);
    expect((await merges.findOne({ _id: other }))?.identifiers).toEqual([
      { type: 'anonymous_id', value: 'kept' },
    ]);
  });

  it('finishes an intent a resolution left on the profile before deleting it, and deletes what it linked', async () => {
    const [user, anon, email] = [`u-${id()}`, `a-${id()}`, `${id()}@example.org`];
    const event = freshEvent({ userId: user, anonymousId: anon });
    await harness.publishAndResolve([event]);
    const { profileId } = await probe.resolvedOf(event);
    // A replica stopped after writing its intent to link the email, before linking it.
    const profiles = (await harness.db()).collection<{
      _id: string;
      members: { type: string; value: string; linkedAt: number }[];
      pending: unknown;
    }>('profiles');
    const at = new Date();
    await profiles.updateOne(
      { _id: profileId },
      {
        $push: { members: { type: 'email', value: email, linkedAt: at.getTime() } },
        $set: { pending: { messageId: `m-${id()}`, link: [{ type: 'email', value: email }], at } },
      },
    );
    const request = await probe.request('delete', { type: 'user_id', value: user });
    const { resolution, status } = await probe.outcome(request.requestId);
    expect(resolution.identifierHashes).toContain(probe.hash('email', email));
    expect(status.detail).toBe('deleted 1 profile and 3 identifiers');
    const stored = await probe.storedText();
    for (const value of [user, anon, email]) expect(stored).not.toContain(value);
  });

  it('finishes a deletion a delivery left after deleting the root, and publishes the outcome it recorded', async () => {
    const { anonA, anonB, email, profileIds } = await mergedProfile();
    const db = await harness.db();
    const requestId = `prq_${id()}`;
    const identifierHashes = [
      probe.hash('anonymous_id', anonA),
      probe.hash('anonymous_id', anonB),
      probe.hash('email', email),
    ].sort();
    const deletedAt = new Date();
    // What a delivery stopped right after the commit point leaves: its record, the root gone.
    await db.collection<Record<string, unknown> & { _id: string }>('privacy_requests').insertOne({
      _id: requestId,
      type: 'delete',
      state: 'resolved',
      found: true,
      profileId: profileIds[0],
      profileIds,
      identifierHashes,
      group: null,
      deletedAt,
      resolvedAt: deletedAt,
    });
    await db.collection<{ _id: string }>('profiles').deleteOne({ _id: profileIds[0] });

    await harness.publishPrivacyRequest({
      requestId,
      type: 'delete',
      identifier: { type: 'email', value: email },
      requestedAt: Date.now(),
    });
    const { resolution, status } = await probe.outcome(requestId);
    expect(resolution).toEqual({
      requestId,
      type: 'delete',
      profileId: profileIds[0],
      profileIds,
      identifierHashes,
      resolvedAt: deletedAt.getTime(),
    });
    expect(status.detail).toBe('deleted 2 profiles and 3 identifiers');
    const stored = await probe.storedText();
    for (const value of [anonA, anonB, email]) expect(stored).not.toContain(value);
  });

  it('answers 404 for a deleted identifier and a deleted profile, like for unknown ones', async () => {
    const { anonA, email, profileIds } = await mergedProfile();
    const request = await probe.request('delete', { type: 'anonymous_id', value: anonA });
    await probe.outcome(request.requestId);
    const query = (type: string, value: string) =>
      harness.api(`/v1/identity/resolve?type=${type}&value=${encodeURIComponent(value)}`);
    expect((await query('email', email)).status).toBe(404);
    expect((await query('anonymous_id', anonA)).status).toBe(404);
    for (const profileId of profileIds)
      expect((await harness.api(`/v1/identity/profiles/${profileId}`)).status).toBe(404);
  });

  it('publishes the same resolution again when a request is delivered again', async () => {
    const user = `u-${id()}`;
    await harness.publishAndResolve([freshEvent({ userId: user, anonymousId: `a-${id()}` })]);
    const request = await probe.request('delete', { type: 'user_id', value: user });
    const first = await probe.outcome(request.requestId);
    await harness.publishPrivacyRequest(request);
    const again = await probe.outcome(request.requestId, 2);
    expect(again.resolution).toEqual(first.resolution);
    expect(again.resolution.profileIds).toHaveLength(1);
    expect(again.status).toMatchObject({
      status: 'done',
      detail: 'deleted 1 profile and 2 identifiers',
    });
  });

  it('answers nothing found for an identifier no profile holds, with its hash alone', async () => {
    const user = `nobody-${id()}`;
    const request = await probe.request('delete', { type: 'user_id', value: user });
    const { resolution, status } = await probe.outcome(request.requestId);
    expect(resolution).toMatchObject({
      profileId: null,
      profileIds: [],
      identifierHashes: [probe.hash('user_id', user)],
    });
    expect(status).toMatchObject({ status: 'done', detail: 'nothing found' });
  });

  it('drops later events carrying any identifier of a suppressed profile, resolves others, and lifts it on unsuppress', async () => {
    const [user, anon, email] = [`u-${id()}`, `a-${id()}`, `${id()}@example.org`];
    const known = freshEvent({ userId: user, anonymousId: anon, context: { traits: { email } } });
    await harness.publishAndResolve([known]);
    const { profileId } = await probe.resolvedOf(known);

    const suppress = await probe.request('suppress', { type: 'user_id', value: user });
    const suppressed = await probe.outcome(suppress.requestId);
    const hashes = [
      probe.hash('user_id', user),
      probe.hash('anonymous_id', anon),
      probe.hash('email', email),
    ].sort();
    expect(suppressed.resolution).toMatchObject({ profileId, profileIds: [profileId] });
    expect([...suppressed.resolution.identifierHashes].sort()).toEqual(hashes);
    expect(suppressed.status.detail).toBe('suppressed 3 identifiers');

    // Same key, so same partition, in order: once the second is resolved, the first was handled.
    const visitor = `v-${id()}`;
    const barred = freshEvent({
      userId: null,
      anonymousId: visitor,
      context: { traits: { email } },
    });
    const other = freshEvent({ userId: null, anonymousId: visitor });
    await harness.publish([barred, other]);
    expect((await probe.resolvedOf(other)).profileId).not.toBe(profileId);
    expect(probe.wasResolved(barred)).toBe(false);
    expect(await harness.metrics()).toMatch(
      /tessera_identity_events_barred_total\{verdict="suppressed"\} [1-9]/,
    );
    // The profile itself is kept.
    expect((await harness.api(`/v1/identity/profiles/${profileId}`)).status).toBe(200);

    const unsuppress = await probe.request('unsuppress', { type: 'email', value: email });
    const lifted = await probe.outcome(unsuppress.requestId);
    expect([...lifted.resolution.identifierHashes].sort()).toEqual(hashes);
    expect(lifted.status.detail).toBe('lifted the suppression of 3 identifiers');
    const later = freshEvent({
      userId: null,
      anonymousId: `w-${id()}`,
      context: { traits: { email } },
    });
    await harness.publish([later]);
    expect((await probe.resolvedOf(later)).profileId).toBe(profileId);
  });

  it('suppresses an identifier not seen yet, and answers nothing found to lifting it twice', async () => {
    const email = `future-${id()}@example.org`;
    const suppress = await probe.request('suppress', { type: 'email', value: email });
    const { resolution, status } = await probe.outcome(suppress.requestId);
    expect(resolution.identifierHashes).toEqual([probe.hash('email', email)]);
    expect(status.detail).toBe('nothing found');
    const visitor = `v-${id()}`;
    const barred = freshEvent({
      userId: null,
      anonymousId: visitor,
      context: { traits: { email } },
    });
    const other = freshEvent({ userId: null, anonymousId: visitor });
    await harness.publish([barred, other]);
    await probe.resolvedOf(other);
    expect(probe.wasResolved(barred)).toBe(false);

    const unsuppress = await probe.request('unsuppress', { type: 'email', value: email });
    expect((await probe.outcome(unsuppress.requestId)).status.detail).toBe(
      'lifted the suppression of 1 identifier',
    );
    const later = freshEvent({
      userId: null,
      anonymousId: `w-${id()}`,
      context: { traits: { email } },
    });
    await harness.publish([later]);
    await probe.resolvedOf(later);
    const again = await probe.request('unsuppress', { type: 'email', value: email });
    expect((await probe.outcome(again.requestId)).status.detail).toBe('nothing found');
  });

  it('does not bring a deleted profile back with an event received before the deletion and consumed after it', async () => {
    const [user, anon, email] = [`u-${id()}`, `a-${id()}`, `late-${id()}@example.org`];
    await harness.publishAndResolve([freshEvent({ userId: user, anonymousId: anon })]);
    const receivedBefore = Date.now() - 1;
    const request = await probe.request('delete', { type: 'user_id', value: user });
    await probe.outcome(request.requestId);

    // Same key as the next one (same partition, in order): it is handled first.
    const inFlight = freshEvent({
      userId: null,
      anonymousId: anon,
      context: { traits: { email } },
      receivedAt: receivedBefore,
    });
    // Received after the deletion: a new profile, as for anyone new.
    const after = freshEvent({ userId: null, anonymousId: anon });
    await harness.publish([inFlight, after]);
    const renewed = await probe.resolvedOf(after);
    expect(probe.wasResolved(inFlight)).toBe(false);
    const groups = await harness.groups();
    expect(groups.get(`anonymous_id:${anon}`)).toBe(renewed.profileId);
    expect(groups.has(`email:${email}`)).toBe(false);
    expect(groups.has(`user_id:${user}`)).toBe(false);
    expect(await harness.metrics()).toMatch(
      /tessera_identity_events_barred_total\{verdict="deleted"\} [1-9]/,
    );
  });

  it('gives a person who comes back after a deletion a new profile id, never the deleted one', async () => {
    const user = `u-${id()}`;
    const first = freshEvent({ userId: user, anonymousId: null });
    await harness.publishAndResolve([first]);
    const deleted = (await probe.resolvedOf(first)).profileId;
    const request = await probe.request('delete', { type: 'user_id', value: user });
    await probe.outcome(request.requestId);

    const back = freshEvent({ userId: user, anonymousId: null });
    await harness.publish([back]);
    const renewed = await probe.resolvedOf(back);
    // The deleted id stays erased in enrichment and activation: reusing it would drop the person.
    expect(renewed.profileId).not.toBe(deleted);
    const again = freshEvent({ userId: user, anonymousId: null });
    await harness.publish([again]);
    expect((await probe.resolvedOf(again)).profileId).toBe(renewed.profileId);
    expect((await harness.groups()).get(`user_id:${user}`)).toBe(renewed.profileId);
  });

  it('deletes and suppresses at once: later events with its identifiers are dropped whenever received', async () => {
    const [user, anon] = [`u-${id()}`, `a-${id()}`];
    await harness.publishAndResolve([freshEvent({ userId: user, anonymousId: anon })]);
    const request = await probe.request('suppress_with_delete', { type: 'user_id', value: user });
    const { resolution, status } = await probe.outcome(request.requestId);
    expect(resolution.profileIds).toHaveLength(1);
    expect(status.detail).toBe('deleted 1 profile and 2 identifiers; suppressed 2 identifiers');
    const barredSoFar = async () =>
      Number(
        /tessera_identity_events_barred_total\{verdict="suppressed"\} (\d+)/.exec(
          await harness.metrics(),
        )?.[1] ?? 0,
      );
    const before = await barredSoFar();
    const barred = freshEvent({ userId: null, anonymousId: anon });
    await harness.publish([barred]);
    await eventually(async () => (await barredSoFar()) > before, 30_000, 'the event dropped');
    expect(probe.wasResolved(barred)).toBe(false);
    expect((await harness.groups()).has(`anonymous_id:${anon}`)).toBe(false);
    const stored = await probe.storedText();
    for (const value of [user, anon]) expect(stored).not.toContain(value);
  });

  it('fails a request whose identifier is not a valid one, and says why', async () => {
    const request = await probe.request('delete', { type: 'email', value: 'not-an-email' });
    const status = await eventually(() =>
      harness.privacyStatuses.find((s) => s.requestId === request.requestId),
    );
    expect(status).toMatchObject({ service: 'identity', status: 'failed' });
    expect(status.detail).toMatch(/not an email address/);
    expect(harness.privacyResolutions.some((r) => r.requestId === request.requestId)).toBe(false);
  });
});

describe('privacy deletions with two replicas, each caching the graph', () => {
  let harness: IdentityHarness;
  let probe: PrivacyProbe;

  beforeAll(async () => {
    harness = await IdentityHarness.start('identity-privacy-replicas', {}, 2);
    probe = new PrivacyProbe(harness);
  }, 90_000);

  afterAll(() => harness.close());

  it('resolves events received after a deletion to new profiles on every replica, never to the deleted ones', async () => {
    // Customers on every partition, so both replicas cache links of some of them.
    const customers = Array.from({ length: 12 }, () => ({ user: `u-${id()}`, anon: `a-${id()}` }));
    const known = customers.map(({ user, anon }) =>
      freshEvent({ userId: user, anonymousId: anon }),
    );
    await harness.publishAndResolve(known);
    const deleted = await Promise.all(
      known.map(async (event) => (await probe.resolvedOf(event)).profileId),
    );
    // Seen again by anonymous id (the key of the events after the deletion), so its link is in
    // the cache of the replica that owns that partition.
    await harness.publishAndResolve(
      customers.map(({ anon }) => freshEvent({ userId: null, anonymousId: anon })),
    );

    const requests = await Promise.all(
      customers.map(({ user }) => probe.request('delete', { type: 'user_id', value: user })),
    );
    for (const request of requests) await probe.outcome(request.requestId);

    const later = customers.map(({ anon }) => freshEvent({ userId: null, anonymousId: anon }));
    await harness.publishAndResolve(later);
    const groups = await harness.groups();
    for (const [n, event] of later.entries()) {
      const { profileId } = await probe.resolvedOf(event);
      expect(profileId).not.toBe(deleted[n]);
      expect(groups.get(`anonymous_id:${customers[n].anon}`)).toBe(profileId);
    }
  });
});

describe('a privacy request the identity service is killed in the middle of', () => {
  let harness: IdentityHarness;
  let probe: PrivacyProbe;
  const processes: StartedService[] = [];

  beforeAll(async () => {
    harness = await IdentityHarness.start('identity-privacy-kill', {
      KAFKA_SESSION_TIMEOUT_MS: '6000',
    });
    probe = new PrivacyProbe(harness);
  }, 90_000);

  afterAll(async () => {
    for (const { process } of processes) if (process.exitCode === null) process.kill('SIGKILL');
    await harness.close();
  }, 60_000);

  async function start(): Promise<StartedService> {
    const service = startService('identity', { ...harness.env, PORT: String(await freePort()) });
    processes.push(service);
    await waitForReady(service);
    return service;
  }

  it('is completed by the next instance: the same component deleted, its outcome published', async () => {
    // Five profiles merged into one by a user id, with sixteen identifiers.
    const user = `u-${id()}`;
    const anons = Array.from({ length: 5 }, () => `k-${id()}`);
    const emails = anons.map((anon) => `${anon}@example.org`);
    await harness.publishAndResolve(
      anons.map((anon) => freshEvent({ userId: null, anonymousId: anon })),
    );
    await harness.publishAndResolve(
      anons.map((anon, n) =>
        freshEvent({
          userId: user,
          anonymousId: anon,
          context: { traits: { email: emails[n] }, device: { id: `d${anon}` } },
        }),
      ),
    );
    await harness.stopReplicas();
    const first = await start();

    const request = await probe.request('delete', { type: 'user_id', value: user });
    // Killed once the outcome is written ahead, before (or while) the deletion is carried out.
    const records = (await harness.db()).collection<{ _id: string }>('privacy_requests');
    await eventually(
      async () => {
        for (let n = 0; n < 500; n++)
          if (await records.findOne({ _id: request.requestId })) {
            first.process.kill('SIGKILL');
            return true;
          }
        return false;
      },
      60_000,
      'the request written ahead',
    );
    await start();

    const { resolution, status } = await probe.outcome(request.requestId, 1, 120_000);
    expect(resolution.profileIds).toHaveLength(5);
    expect(resolution.identifierHashes).toHaveLength(16);
    expect(resolution.identifierHashes).toContain(probe.hash('user_id', user));
    expect(status).toMatchObject({
      status: 'done',
      detail: 'deleted 5 profiles and 16 identifiers',
    });
    const stored = await probe.storedText();
    for (const value of [user, ...anons]) expect(stored).not.toContain(value);
  }, 240_000);
});
