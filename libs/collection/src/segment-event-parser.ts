import { randomUUID } from 'node:crypto';
import { findNonJson, type Event, type EventType, type JsonObject } from '@tessera/contracts';
import { correctedTimestamp } from './clock-skew';
import type { FieldProblem } from './field-problem';

export const EVENT_TYPES: readonly EventType[] = [
  'track',
  'identify',
  'page',
  'screen',
  'group',
  'alias',
];

/** What a batch request says for all its events (Segment's batch-level fields). */
export interface BatchDefaults {
  context?: unknown;
  integrations?: unknown;
  sentAt?: unknown;
}

export interface ParseOptions {
  sourceId: string;
  receivedAt: number;
  /** The call's type when the endpoint fixes it (`/v1/track`); batch items carry their own. */
  type?: EventType;
  defaults?: BatchDefaults;
}

export type ParseResult =
  { ok: true; event: Event } | { ok: false; messageId: string | null; problems: FieldProblem[] };

const MAX_ID_LENGTH = 512;
/** The range of a JavaScript Date, +-100 million days around 1970. */
const MAX_DATE_MILLIS = 8.64e15;
/**
 * ISO 8601 / RFC 3339 as Segment sends it: a date, optionally a time with fractions, optionally an
 * offset. Date.parse alone would take "1" or "May 5" and read offset-less times in local time.
 */
const ISO_8601 =
  /^([+-]\d{6}|\d{4})-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * Turns one Segment-spec call (https://segment.com/docs/connections/spec/) into the Event
 * record: checks the fields each call type needs, keeps free-form objects as they are, fills a
 * messageId when the client sent none, and puts timestamps on the server's clock.
 */
export function parseSegmentEvent(input: unknown, options: ParseOptions): ParseResult {
  const problems: FieldProblem[] = [];
  if (!isObject(input)) {
    return {
      ok: false,
      messageId: null,
      problems: [{ path: '', message: 'an event must be a JSON object' }],
    };
  }
  const read = new FieldReader(input, problems);
  const messageId = read.id('messageId') ?? null;
  const type = readType(input, options.type, problems);
  const userId = read.id('userId');
  const anonymousId = read.id('anonymousId');
  if (isAbsent(input.userId) && isAbsent(input.anonymousId)) {
    problems.push({ path: 'userId', message: 'userId or anonymousId is required' });
  }
  const event = read.string('event');
  const name = read.string('name');
  const groupId = read.id('groupId');
  const previousId = read.id('previousId');
  const absent = (path: string) => isAbsent(input[path]);
  if (type === 'track' && absent('event'))
    problems.push({ path: 'event', message: 'a track call needs an event name' });
  if (type === 'group' && absent('groupId'))
    problems.push({ path: 'groupId', message: 'a group call needs a groupId' });
  if (type === 'alias' && absent('previousId')) {
    problems.push({ path: 'previousId', message: 'an alias call needs a previousId' });
  }
  if (type === 'alias' && absent('userId'))
    problems.push({ path: 'userId', message: 'an alias call needs a userId' });

  const properties = read.object('properties');
  const traits = read.object('traits');
  const context = mergeObjects(
    readDefaultObject(options.defaults?.context, 'context', problems),
    read.object('context'),
  );
  const integrations = mergeObjects(
    readDefaultObject(options.defaults?.integrations, 'integrations', problems),
    read.object('integrations'),
  );
  const clientTimestamp = read.time('timestamp');
  const clientOriginal = read.time('originalTimestamp');
  const originalTimestamp = clientOriginal ?? clientTimestamp;
  const sentAt = read.time('sentAt') ?? readDefaultTime(options.defaults?.sentAt, problems);

  // An explicit `timestamp` is when the event happened (a backdated or imported event) and wins
  // over the SDK's own call time in `originalTimestamp` (RudderStack's SDKs send both).
  const timestamp = correctedTimestamp({
    receivedAt: options.receivedAt,
    sentAt,
    originalTimestamp: clientTimestamp ?? clientOriginal,
  });
  if (Math.abs(timestamp) > MAX_DATE_MILLIS) {
    problems.push({
      path: 'timestamp',
      message: 'the clock-skew corrected time is not a date: check sentAt and timestamp',
    });
  }
  if (problems.length > 0 || !type) return { ok: false, messageId, problems };
  return {
    ok: true,
    event: {
      messageId: messageId ?? randomUUID(),
      type,
      userId: userId ?? null,
      anonymousId: anonymousId ?? null,
      event: event ?? null,
      name: name ?? null,
      groupId: groupId ?? null,
      previousId: previousId ?? null,
      properties: properties ?? null,
      traits: traits ?? null,
      context: context ?? null,
      integrations: integrations ?? null,
      timestamp,
      sentAt,
      receivedAt: options.receivedAt,
      originalTimestamp,
      sourceId: options.sourceId,
      violations: [],
    },
  };
}

function readType(
  input: JsonObject,
  fixed: EventType | undefined,
  problems: FieldProblem[],
): EventType | undefined {
  const given = input.type;
  if (fixed) {
    if (!isAbsent(given) && given !== fixed) {
      problems.push({
        path: 'type',
        message: `this endpoint takes ${fixed} calls, not ${JSON.stringify(given)}`,
      });
    }
    return fixed;
  }
  if (typeof given === 'string' && (EVENT_TYPES as readonly string[]).includes(given))
    return given as EventType;
  problems.push({ path: 'type', message: `type must be one of ${EVENT_TYPES.join(', ')}` });
  return undefined;
}

/** Reads typed fields of one event, recording a problem for each field of the wrong kind. */
class FieldReader {
  constructor(
    private readonly input: JsonObject,
    private readonly problems: FieldProblem[],
  ) {}

  /** Identifiers: strings, or numbers (Segment accepts numeric ids and stringifies them). */
  id(path: string): string | undefined {
    const value = this.input[path];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    if (typeof value !== 'string') return this.problem(path, 'must be a string');
    if ([...value].length > MAX_ID_LENGTH)
      return this.problem(path, `must be at most ${MAX_ID_LENGTH} characters`);
    return value === '' ? undefined : value;
  }

  string(path: string): string | undefined {
    const value = this.input[path];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') return this.problem(path, 'must be a string');
    return value === '' ? undefined : value;
  }

  object(path: string): JsonObject | undefined {
    const value = this.input[path];
    if (value === undefined || value === null) return undefined;
    if (!isObject(value)) return this.problem(path, 'must be a JSON object');
    // JSON.parse turns 1e400 into Infinity, which no JSON (and no Avro record) can carry back.
    const nonJson = findNonJson(value);
    if (nonJson) {
      return this.problem(
        nonJson.path ? `${path}.${nonJson.path}` : path,
        `${nonJson.found} is not a JSON value`,
      );
    }
    return value;
  }

  time(path: string): number | null {
    const value = this.input[path];
    if (value === undefined || value === null || value === '') return null;
    const millis = parseTime(value);
    if (millis === null) {
      this.problem(path, 'must be an ISO 8601 date-time');
      return null;
    }
    return millis;
  }

  private problem(path: string, message: string): undefined {
    this.problems.push({ path, message });
    return undefined;
  }
}

function parseTime(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const match = ISO_8601.exec(value.trim());
  if (!match) return null;
  // Segment times are UTC unless they say otherwise.
  const withOffset = match[2] && !match[5] ? `${value.trim()}Z` : value.trim();
  const millis = Date.parse(withOffset);
  return Number.isFinite(millis) ? millis : null;
}

function readDefaultObject(
  value: unknown,
  path: string,
  problems: FieldProblem[],
): JsonObject | undefined {
  if (isAbsent(value)) return undefined;
  if (isObject(value) && !findNonJson(value)) return value;
  problems.push({ path, message: `the batch ${path} must be a JSON object` });
  return undefined;
}

function isAbsent(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

function readDefaultTime(value: unknown, problems: FieldProblem[]): number | null {
  if (value === undefined || value === null || value === '') return null;
  const millis = parseTime(value);
  if (millis === null)
    problems.push({ path: 'sentAt', message: 'the batch sentAt must be an ISO 8601 date-time' });
  return millis;
}

/** Batch-level context/integrations apply to every event; an event's own keys win. */
function mergeObjects(
  base: JsonObject | undefined,
  own: JsonObject | undefined,
): JsonObject | undefined {
  if (!base) return own;
  if (!own) return base;
  return { ...base, ...own };
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
