import { deletes, deletionDetail, nothingToDelete } from './privacy-outcome';

describe('the outcome of a privacy request in enrichment', () => {
  it('deletes for delete and suppress_with_delete requests only', () => {
    expect(deletes('delete')).toBe(true);
    expect(deletes('suppress_with_delete')).toBe(true);
    expect(deletes('suppress')).toBe(false);
    expect(deletes('unsuppress')).toBe(false);
  });

  it('says a suppression has nothing to delete, with the right article', () => {
    expect(nothingToDelete('suppress')).toBe('nothing to delete for a suppress request');
    expect(nothingToDelete('unsuppress')).toBe('nothing to delete for an unsuppress request');
  });

  it('counts what was deleted in words, singular and plural', () => {
    expect(
      deletionDetail({ profiles: 2, timelineEvents: 14, identifiers: 3, audienceMemberships: 1 }),
    ).toBe('deleted 2 profiles, 14 timeline events, 3 identifiers, 1 audience membership');
    expect(
      deletionDetail({ profiles: 1, timelineEvents: 1, identifiers: 1, audienceMemberships: 2 }),
    ).toBe('deleted 1 profile, 1 timeline event, 1 identifier, 2 audience memberships');
  });

  it('leaves out what there was none of', () => {
    expect(
      deletionDetail({ profiles: 1, timelineEvents: 0, identifiers: 2, audienceMemberships: 0 }),
    ).toBe('deleted 1 profile, 2 identifiers');
  });

  it('says nothing found when the profiles held nothing here', () => {
    expect(
      deletionDetail({ profiles: 0, timelineEvents: 0, identifiers: 0, audienceMemberships: 0 }),
    ).toBe('nothing found');
  });
});
