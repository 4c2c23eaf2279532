import { identifiersOf, referenceProfiles } from './reference-model';
import { ORDER_COMPLETED, scriptedStream } from './scenario';

const options = { seed: 7, events: 20_000, tag: 't1', now: Date.parse('2026-12-03T12:00:00Z') };

describe('scriptedStream', () => {
  const calls = scriptedStream(options);

  it('is the same stream for the same seed, and another for another seed', () => {
    expect(scriptedStream(options)).toEqual(calls);
    expect(scriptedStream({ ...options, seed: 8 })).not.toEqual(calls);
  });

  it('holds at least the calls asked for, each with a unique message id and an identifier', () => {
    expect(calls.length).toBeGreaterThanOrEqual(20_000);
    expect(new Set(calls.map((call) => call.messageId)).size).toBe(calls.length);
    for (const call of calls) expect(identifiersOf(call).length).toBeGreaterThan(0);
  });

  it('keeps each customer in order: a device is seen anonymously before it is identified', () => {
    const firstSeen = new Map<string, number>();
    calls.forEach((call, index) => {
      if (call.anonymousId && !firstSeen.has(call.anonymousId))
        firstSeen.set(call.anonymousId, index);
    });
    calls.forEach((call, index) => {
      if (call.type === 'identify' && call.userId && call.anonymousId)
        expect(firstSeen.get(call.anonymousId)).toBeLessThan(index);
    });
  });

  it('makes merges of every kind, anonymous customers, buyers and big spenders', () => {
    const profiles = referenceProfiles(calls);
    const kinds = (profile: (typeof profiles)[number]) =>
      profile.identifiers.map((identifier) => identifier.split(':')[0]);
    const anonymousDevices = (profile: (typeof profiles)[number]) =>
      kinds(profile).filter((kind) => kind === 'anonymous_id').length;
    expect(profiles.filter((p) => anonymousDevices(p) >= 3).length).toBeGreaterThan(50);
    expect(profiles.filter((p) => !kinds(p).includes('user_id')).length).toBeGreaterThan(50);
    expect(profiles.filter((p) => p.audiences.includes('fault-buyers')).length).toBeGreaterThan(
      500,
    );
    expect(
      profiles.filter((p) => p.audiences.includes('fault-big-spenders')).length,
    ).toBeGreaterThan(100);
    expect(calls.filter((call) => call.event === ORDER_COMPLETED).length).toBeGreaterThan(2_000);
  });
});
