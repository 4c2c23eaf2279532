import { deletes, erasureDetail, nothingToDeleteDetail, sumErased } from './erasure-detail';

const none = { pendingMessages: 0, failedMessages: 0, deliveredMessages: 0, logEntries: 0 };

describe('erasure status details', () => {
  it('counts pending messages and log entries of several profiles', () => {
    expect(erasureDetail({ ...none, pendingMessages: 4, logEntries: 9 }, 2)).toBe(
      'deleted 4 pending messages and 9 delivery log entries of 2 profiles',
    );
  });

  it('lists every kind of message removed, in the singular where there is one', () => {
    expect(
      erasureDetail(
        { pendingMessages: 1, failedMessages: 2, deliveredMessages: 3, logEntries: 1 },
        1,
      ),
    ).toBe(
      'deleted 1 pending message, 2 failed messages, 3 delivered messages and 1 delivery log entry of 1 profile',
    );
  });

  it('says so when the profiles had nothing stored', () => {
    expect(erasureDetail(none, 3)).toBe(
      'no messages or delivery log entries of 3 profiles to delete',
    );
  });

  it('has nothing to delete for the request types that do not delete', () => {
    expect(nothingToDeleteDetail('suppress')).toBe('nothing to delete for a suppress request');
    expect(nothingToDeleteDetail('unsuppress')).toBe('nothing to delete for an unsuppress request');
    expect(deletes('suppress')).toBe(false);
    expect(deletes('unsuppress')).toBe(false);
    expect(deletes('delete')).toBe(true);
    expect(deletes('suppress_with_delete')).toBe(true);
  });

  it('adds up the counts of several passes', () => {
    expect(
      sumErased([
        { ...none, pendingMessages: 1, logEntries: 2 },
        { ...none, failedMessages: 1, logEntries: 1 },
      ]),
    ).toEqual({ pendingMessages: 1, failedMessages: 1, deliveredMessages: 0, logEntries: 3 });
  });
});
