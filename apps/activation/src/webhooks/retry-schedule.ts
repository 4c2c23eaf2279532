/** When a failed webhook delivery is tried again: the configured schedule and `Retry-After`. */

/** Standard Webhooks' schedule: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
export const DEFAULT_RETRY_SCHEDULE = '0,5s,5m,30m,2h,5h,10h,10h';

const MAX_ENTRIES = 50;
const MAX_DELAY_MS = 7 * 24 * 60 * 60 * 1000;
const UNIT_MS: ReadonlyMap<string, number> = new Map([
  ['ms', 1],
  ['s', 1000],
  ['m', 60 * 1000],
  ['h', 60 * 60 * 1000],
  ['d', 24 * 60 * 60 * 1000],
]);
const DURATION = /^(\d+)([a-z]*)$/i;
/** IMF-fixdate and the obsolete RFC 850 form; both say GMT. */
const HTTP_DATE_GMT =
  /^[A-Z][a-z]{2,8}, \d{2}[ -][A-Z][a-z]{2}[ -]\d{2}(?:\d{2})? \d{2}:\d{2}:\d{2} GMT$/;
/** The obsolete asctime form, which is GMT without saying so. */
const ASCTIME_DATE = /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/;

export class InvalidRetryScheduleError extends Error {
  constructor(problem: string) {
    super(`invalid retry schedule: ${problem}`);
    this.name = 'InvalidRetryScheduleError';
  }
}

/**
 * Parses `0,5s,5m,30m,2h` into delays in ms; element i is the wait before attempt i + 1, so the
 * schedule's length is the number of attempts.
 */
export function parseRetrySchedule(text: string): number[] {
  if (text.trim() === '') throw new InvalidRetryScheduleError('it is empty');
  const entries = text.split(',').map((entry) => entry.trim());
  if (entries.length > MAX_ENTRIES) {
    throw new InvalidRetryScheduleError(
      `it has ${entries.length} entries; at most ${MAX_ENTRIES} are allowed`,
    );
  }
  return entries.map((entry, index) => parseDelay(entry, index + 1));
}

/** Milliseconds to wait as the server asked (delta-seconds or an HTTP-date); undefined if it did not say. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = parseHttpDate(text);
  return date === undefined ? undefined : Math.max(0, date - now);
}

/**
 * The wait before the next attempt, or undefined when the schedule is used up. A `Retry-After`
 * may lengthen the scheduled wait (capped, so a receiver cannot park a message for ever) but never
 * shorten it.
 */
export function nextRetryDelay(
  schedule: readonly number[],
  attemptsMade: number,
  retryAfterMs: number | undefined,
  maxRetryAfterMs: number,
): number | undefined {
  if (attemptsMade >= schedule.length) return undefined;
  return Math.max(schedule[attemptsMade], Math.min(retryAfterMs ?? 0, maxRetryAfterMs));
}

function parseDelay(entry: string, position: number): number {
  const where = `entry ${position} ("${entry}")`;
  if (entry === '') throw new InvalidRetryScheduleError(`entry ${position} is empty`);
  if (entry.startsWith('-')) throw new InvalidRetryScheduleError(`${where} is negative`);
  const match = DURATION.exec(entry);
  if (!match) {
    throw new InvalidRetryScheduleError(`${where} is not a whole number with a unit, like 30s`);
  }
  const [, amountText, unit] = match;
  const amount = Number(amountText);
  if (unit === '') return bareNumber(amount, where);
  const unitMs = UNIT_MS.get(unit);
  if (unitMs === undefined) {
    throw new InvalidRetryScheduleError(
      `${where} has unknown unit "${unit}"; use ms, s, m, h or d`,
    );
  }
  const delay = amount * unitMs;
  if (delay > MAX_DELAY_MS) throw new InvalidRetryScheduleError(`${where} is longer than 7 days`);
  return delay;
}

/** A number without a unit is ambiguous unless it is 0. */
function bareNumber(amount: number, where: string): number {
  if (amount !== 0) throw new InvalidRetryScheduleError(`${where} needs a unit: ms, s, m, h or d`);
  return 0;
}

/** Only the HTTP-date forms: Date.parse alone would read a date into almost any text. */
function parseHttpDate(text: string): number | undefined {
  if (HTTP_DATE_GMT.test(text)) return validTime(Date.parse(text));
  if (ASCTIME_DATE.test(text)) return validTime(Date.parse(`${text} GMT`));
  return undefined;
}

function validTime(time: number): number | undefined {
  return Number.isNaN(time) ? undefined : time;
}
