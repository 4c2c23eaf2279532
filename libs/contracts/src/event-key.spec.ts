import { eventKeyOf } from './event-key';

describe('eventKeyOf', () => {
  it('keys by userId when the event has one', () => {
    expect(eventKeyOf({ messageId: 'm1', userId: 'u1', anonymousId: 'a1' })).toEqual({ key: 'u1' });
  });

  it('keys by anonymousId when the event has no userId', () => {
    expect(eventKeyOf({ messageId: 'm1', userId: null, anonymousId: 'a1' })).toEqual({ key: 'a1' });
  });

  it('keys by messageId when the event has neither', () => {
    expect(eventKeyOf({ messageId: 'm1', userId: null, anonymousId: null })).toEqual({ key: 'm1' });
  });
});
