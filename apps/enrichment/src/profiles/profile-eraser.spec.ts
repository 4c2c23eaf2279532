import { ProfileEraser } from './profile-eraser';
import type { ProfilePublisher } from './profile-publisher';
import type { ProfileStoreRepository } from './profile-store.repository';
import type { ProfileDocument } from './profile-store.schema';

function aProfile(id: string, fields: Partial<ProfileDocument> = {}): ProfileDocument {
  return {
    _id: id,
    version: 3,
    state: null,
    absorbed: [],
    inflight: [],
    mergingInto: null,
    mergedInto: null,
    changed: [],
    audiences: [],
    audienceChanges: [],
    updatedAt: 0,
    ...fields,
  };
}

function eraserOver(docs: ProfileDocument[]) {
  const calls: string[] = [];
  const stored = new Map(docs.map((doc) => [doc._id, doc]));
  const store = {
    findProfiles: (ids: Iterable<string>) =>
      Promise.resolve(
        new Map(
          [...ids].filter((id) => stored.has(id)).map((id) => [id, stored.get(id)!] as const),
        ),
      ),
    countTimelineOf: () => Promise.resolve(7),
    countIdentifiersOf: () => Promise.resolve(4),
    deleteProfiles: (ids: string[]) => {
      calls.push(`delete ${ids.join(',')}`);
      return Promise.resolve();
    },
  };
  const publisher = {
    publishExits: (exiting: ProfileDocument[]) => {
      calls.push(`exits ${exiting.map((doc) => doc._id).join(',')}`);
      return Promise.resolve();
    },
    publishDeleted: (ids: string[], pointers: ProfileDocument[]) => {
      calls.push(`tombstones ${ids.join(',')} pointers ${pointers.map((d) => d._id).join(',')}`);
      return Promise.resolve();
    },
  };
  const eraser = new ProfileEraser(
    store as unknown as ProfileStoreRepository,
    publisher as unknown as ProfilePublisher,
  );
  return { eraser, calls };
}

describe('ProfileEraser', () => {
  it('takes in every profile merged into the profiles named, also those the request did not name', async () => {
    const { eraser } = eraserOver([
      aProfile('p_a', { absorbed: ['p_b', 'p_c'], audiences: ['buyers', 'vip'] }),
      aProfile('p_b', { mergedInto: 'p_a' }),
      aProfile('p_c', { mergedInto: 'p_a' }),
    ]);
    const survey = await eraser.survey(['p_a', 'p_b']);
    expect(survey.ids).toEqual(['p_a', 'p_b', 'p_c']);
    expect(survey.docs.map((doc) => doc._id).sort()).toEqual(['p_a', 'p_b', 'p_c']);
  });

  it('counts the profiles, their timeline, their identifiers and their memberships', async () => {
    const { eraser } = eraserOver([
      aProfile('p_a', { absorbed: ['p_b'], audiences: ['buyers', 'vip'] }),
      aProfile('p_b', { mergingInto: 'p_a', audiences: ['buyers'] }),
    ]);
    expect(await eraser.count(await eraser.survey(['p_a']))).toEqual({
      profiles: 2,
      timelineEvents: 7,
      identifiers: 4,
      audienceMemberships: 3,
    });
  });

  it('names the profiles it does not hold too, so their keys get a tombstone', async () => {
    const { eraser } = eraserOver([]);
    const survey = await eraser.survey(['p_x', 'p_y']);
    expect(survey).toEqual({ ids: ['p_x', 'p_y'], docs: [] });
  });

  it('sends the exits before deleting, and the tombstones after', async () => {
    const { eraser, calls } = eraserOver([
      aProfile('p_a', { absorbed: ['p_b'] }),
      aProfile('p_b', { mergedInto: 'p_a' }),
    ]);
    await eraser.erase(await eraser.survey(['p_a']));
    expect(calls).toEqual([
      'exits p_a,p_b',
      'delete p_a,p_b',
      'tombstones p_a,p_b pointers p_a,p_b',
    ]);
  });
});
