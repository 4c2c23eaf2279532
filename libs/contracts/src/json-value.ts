/** A value JSON can carry and give back unchanged (no undefined, functions, NaN or Infinity). */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;

/** A free-form JSON object, as carried by the `json` logical type of the contract schemas. */
export interface JsonObject {
  [key: string]: JsonValue;
}

/** Where a value stops being JSON, as a path like `a.b[2]` ('' for the value itself), and what was found there. */
export interface NonJsonValue {
  path: string;
  found: string;
}

// Deeper than this is treated as circular: telling the two apart would cost every value a Set.
const MAX_DEPTH = 256;

interface Failure {
  /** Keys and indices from the failing value up to the root, in reverse. */
  reversedPath: (string | number)[];
  found: string;
}

/** The first place where `value` is not JSON that survives a stringify/parse round trip, or null when it is. */
export function findNonJson(value: unknown): NonJsonValue | null {
  const failure = failureBelow(value, 0);
  if (!failure) return null;
  return { path: formatPath(failure.reversedPath.reverse()), found: failure.found };
}

/** True for a plain object whose every value is JSON. */
export function isJsonObject(value: unknown): value is JsonObject {
  return isPlainObject(value) && failureBelow(value, 0) === null;
}

// Hot on every encode, so the happy path allocates nothing; paths are built only on failure.
function failureBelow(value: unknown, depth: number): Failure | null {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return null;
    case 'number':
      return Number.isFinite(value) ? null : { reversedPath: [], found: String(value) };
    case 'object':
      if (value === null) return null;
      if (depth >= MAX_DEPTH) {
        return { reversedPath: [], found: `nesting deeper than ${MAX_DEPTH} levels (circular?)` };
      }
      if (Array.isArray(value)) return failureInArray(value, depth);
      if (isPlainObject(value)) return failureInObject(value, depth);
      return { reversedPath: [], found: `an instance of ${value.constructor?.name ?? 'a class'}` };
    default:
      return { reversedPath: [], found: typeof value };
  }
}

function failureInArray(items: unknown[], depth: number): Failure | null {
  // An index loop, not for-of, so holes in sparse arrays are seen as undefined.
  for (let i = 0; i < items.length; i++) {
    const failure = failureBelow(items[i], depth + 1);
    if (failure) {
      failure.reversedPath.push(i);
      return failure;
    }
  }
  return null;
}

function failureInObject(object: Record<string, unknown>, depth: number): Failure | null {
  for (const key in object) {
    // for-in avoids the array Object.entries allocates; JSON.stringify writes own keys only.
    if (!Object.prototype.hasOwnProperty.call(object, key)) continue;
    const failure = failureBelow(object[key], depth + 1);
    if (failure) {
      failure.reversedPath.push(key);
      return failure;
    }
  }
  return null;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function formatPath(segments: (string | number)[]): string {
  return segments.reduce<string>((path, segment) => {
    if (typeof segment === 'number') return `${path}[${segment}]`;
    return path ? `${path}.${segment}` : segment;
  }, '');
}
