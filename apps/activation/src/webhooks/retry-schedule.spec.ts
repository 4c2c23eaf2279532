import {
  DEFAULT_RETRY_SCHEDULE,
  InvalidRetryScheduleError,
  nextRetryDelay,
  parseRetryAfter,
  parseRetrySchedule,
} from './retry-schedule';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('parseRetrySchedule', () => {
  it('reads the default schedule as the Standard Webhooks delays', () => {
    expect(parseRetrySchedule(DEFAULT_RETRY_SCHEDULE)).toEqual([
      0,
      5 * SECOND,
      5 * MINUTE,
      30 * MINUTE,
      2 * HOUR,
      5 * HOUR,
      10 * HOUR,
      10 * HOUR,
    ]);
  });

  it.each([
    ['250ms', 250],
    ['5s', 5 * SECOND],
    ['5m', 5 * MINUTE],
    ['2h', 2 * HOUR],
    ['1d', DAY],
    ['0', 0],
    ['0s', 0],
  ])('reads %s as %i ms', (text, delay) => {
    expect(parseRetrySchedule(text)).toEqual([delay]);
  });

  it('ignores spaces around entries', () => {
    expect(parseRetrySchedule(' 0 , 5s ,1m ')).toEqual([0, 5 * SECOND, MINUTE]);
  });

  it('accepts an entry of exactly 7 days', () => {
    expect(parseRetrySchedule('7d')).toEqual([7 * DAY]);
  });

  it('accepts 50 entries', () => {
    expect(parseRetrySchedule(Array(50).fill('1s').join(','))).toHaveLength(50);
  });

  it.each([
    ['', 'it is empty'],
    ['  ', 'it is empty'],
    ['0,,5s', 'entry 2 is empty'],
    ['0,-5s', 'entry 2 ("-5s") is negative'],
    ['5x', 'entry 1 ("5x") has unknown unit "x"; use ms, s, m, h or d'],
    ['5S', 'entry 1 ("5S") has unknown unit "S"; use ms, s, m, h or d'],
    ['5toString', 'entry 1 ("5toString") has unknown unit "toString"; use ms, s, m, h or d'],
    ['5', 'entry 1 ("5") needs a unit: ms, s, m, h or d'],
    ['1.5h', 'entry 1 ("1.5h") is not a whole number with a unit, like 30s'],
    ['s', 'entry 1 ("s") is not a whole number with a unit, like 30s'],
    ['5 s', 'entry 1 ("5 s") is not a whole number with a unit, like 30s'],
    ['0,8d', 'entry 2 ("8d") is longer than 7 days'],
    ['604800001ms', 'entry 1 ("604800001ms") is longer than 7 days'],
  ])('rejects "%s": %s', (text, problem) => {
    expect(() => parseRetrySchedule(text)).toThrow(new InvalidRetryScheduleError(problem));
  });

  it('rejects more than 50 entries', () => {
    expect(() => parseRetrySchedule(Array(51).fill('1s').join(','))).toThrow(
      'invalid retry schedule: it has 51 entries; at most 50 are allowed',
    );
  });

  it('throws the typed error', () => {
    expect(() => parseRetrySchedule('soon')).toThrow(InvalidRetryScheduleError);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-03-01T12:00:00Z');

  it('reads delta-seconds as milliseconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120 * SECOND);
  });

  it('reads 0 seconds as no wait', () => {
    expect(parseRetryAfter('0', now)).toBe(0);
  });

  it('reads an IMF-fixdate as the time until that date', () => {
    expect(parseRetryAfter('Sat, 01 Mar 2025 12:05:00 GMT', now)).toBe(5 * MINUTE);
  });

  it('reads the obsolete RFC 850 date form', () => {
    expect(parseRetryAfter('Saturday, 01-Mar-25 12:00:30 GMT', now)).toBe(30 * SECOND);
  });

  it('reads the obsolete asctime date form as GMT', () => {
    expect(parseRetryAfter('Sat Mar  1 13:00:00 2025', now)).toBe(HOUR);
  });

  it('reads a date in the past as no wait', () => {
    expect(parseRetryAfter('Sat, 01 Mar 2025 11:00:00 GMT', now)).toBe(0);
  });

  it('ignores surrounding spaces', () => {
    expect(parseRetryAfter(' 30 ', now)).toBe(30 * SECOND);
  });

  it('gives undefined without a header', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it.each(['', 'soon', '-5', '1.5', 'foo 12', '2025-03-01T12:05:00Z', 'Sat, 01 Mar 2025 12:05:00'])(
    'gives undefined for the unparseable "%s"',
    (value) => {
      expect(parseRetryAfter(value, now)).toBeUndefined();
    },
  );
});

describe('nextRetryDelay', () => {
  const schedule = [0, 5 * SECOND, 5 * MINUTE];

  it('waits the scheduled delay before the next attempt', () => {
    expect(nextRetryDelay(schedule, 1, undefined, HOUR)).toBe(5 * SECOND);
  });

  it('gives the first delay before any attempt was made', () => {
    expect(nextRetryDelay(schedule, 0, undefined, HOUR)).toBe(0);
  });

  it('gives undefined when every attempt of the schedule was made', () => {
    expect(nextRetryDelay(schedule, 3, undefined, HOUR)).toBeUndefined();
  });

  it('gives undefined when every attempt was made, even with a Retry-After', () => {
    expect(nextRetryDelay(schedule, 3, MINUTE, HOUR)).toBeUndefined();
  });

  it('waits longer when Retry-After asks for more than the schedule', () => {
    expect(nextRetryDelay(schedule, 1, MINUTE, HOUR)).toBe(MINUTE);
  });

  it('never waits less than the schedule because of a short Retry-After', () => {
    expect(nextRetryDelay(schedule, 2, SECOND, HOUR)).toBe(5 * MINUTE);
  });

  it('caps Retry-After at the maximum', () => {
    expect(nextRetryDelay(schedule, 1, DAY, HOUR)).toBe(HOUR);
  });

  it('keeps the scheduled delay when it exceeds the Retry-After cap', () => {
    expect(nextRetryDelay(schedule, 2, DAY, MINUTE)).toBe(5 * MINUTE);
  });
});
