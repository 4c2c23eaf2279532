import fc from 'fast-check';
import { correctedTimestamp } from './clock-skew';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Server time 2024-03-05 12:00:00 UTC, computed apart from any parsing the library does. */
const NOON = Date.UTC(2024, 2, 5, 12, 0, 0);

describe('correctedTimestamp', () => {
  it('moves an event from a client whose clock is one hour ahead back onto the server clock', () => {
    // The event happens at noon server time; the client's clock reads 13:00. The library sends it
    // 4 s later (client 13:00:04) and, with no network delay, the server receives it at 12:00:04.
    const corrected = correctedTimestamp({
      originalTimestamp: NOON + HOUR,
      sentAt: NOON + HOUR + 4 * SECOND,
      receivedAt: NOON + 4 * SECOND,
    });

    expect(corrected).toBe(NOON);
  });

  it('moves an event from a client whose clock is ten minutes behind forward onto the server clock', () => {
    const corrected = correctedTimestamp({
      originalTimestamp: NOON - 10 * MINUTE,
      sentAt: NOON - 10 * MINUTE + 30 * SECOND,
      receivedAt: NOON + 30 * SECOND,
    });

    expect(corrected).toBe(NOON);
  });

  it('counts the network transit time into the event time, since sentAt cannot reveal it', () => {
    // Client clock right, sent at once, 250 ms on the wire: the correction cannot tell transit
    // from skew, so the event lands 250 ms late.
    const corrected = correctedTimestamp({
      originalTimestamp: NOON,
      sentAt: NOON,
      receivedAt: NOON + 250,
    });

    expect(corrected).toBe(NOON + 250);
  });

  it("takes the client's time as is when the client did not say when it sent the event", () => {
    const corrected = correctedTimestamp({
      originalTimestamp: NOON - HOUR,
      sentAt: null,
      receivedAt: NOON,
    });

    expect(corrected).toBe(NOON - HOUR);
  });

  it('uses the time the server received the event when the client gave no event time', () => {
    const corrected = correctedTimestamp({
      originalTimestamp: null,
      sentAt: NOON + HOUR,
      receivedAt: NOON,
    });

    expect(corrected).toBe(NOON);
  });

  it('uses the time the server received the event when the client gave no time at all', () => {
    expect(correctedTimestamp({ originalTimestamp: null, sentAt: null, receivedAt: NOON })).toBe(
      NOON,
    );
  });

  it('puts an event on its true server time for any clock skew when the network adds no delay', () => {
    const aDay = 24 * HOUR;
    fc.assert(
      fc.property(
        fc.integer({ min: -aDay, max: aDay }),
        fc.integer({ min: 0, max: aDay }),
        (skew, queuedFor) => {
          const eventAt = NOON;
          const sentAtServerTime = eventAt + queuedFor;
          const corrected = correctedTimestamp({
            originalTimestamp: eventAt + skew,
            sentAt: sentAtServerTime + skew,
            receivedAt: sentAtServerTime,
          });

          expect(corrected).toBe(eventAt);
        },
      ),
    );
  });

  it('keeps the gap the client measured between the event and the send', () => {
    const year = 365 * 24 * HOUR;
    const aroundNow = fc.integer({ min: NOON - year, max: NOON + year });
    fc.assert(
      fc.property(aroundNow, aroundNow, aroundNow, (originalTimestamp, sentAt, receivedAt) => {
        const corrected = correctedTimestamp({ originalTimestamp, sentAt, receivedAt });

        expect(receivedAt - corrected).toBe(sentAt - originalTimestamp);
      }),
    );
  });
});
