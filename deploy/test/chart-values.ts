import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isScalar, parse, parseDocument, type YAMLMap } from 'yaml';
import { CHART_DIR } from './helm-chart';

export type Values = Record<string, unknown>;

export function chartValues(valueFile?: string): Values {
  const defaults = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as Values;
  if (!valueFile) return defaults;
  const overrides = parse(readFileSync(join(CHART_DIR, 'ci', valueFile), 'utf8')) as Values;
  return merge(defaults, overrides);
}

/** Helm's coalescing of value files: maps merge key by key, anything else is replaced. */
function merge(base: Values, override: Values): Values {
  const out: Values = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = out[key];
    out[key] = isRecord(current) && isRecord(value) ? merge(current, value) : value;
  }
  return out;
}

function isRecord(value: unknown): value is Values {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function valueAt(values: Values, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((node, key) => (isRecord(node) ? node[key] : undefined), values);
}

export interface DocumentedValue {
  path: string;
  /** The value itself or the enclosing one whose comment describes it; undefined: no comment. */
  documentedAt: string | undefined;
}

/** Every leaf of values.yaml (scalars, lists, empty maps) and whether a comment describes it. */
export function valueLeaves(): DocumentedValue[] {
  const document = parseDocument(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8'));
  const leaves: DocumentedValue[] = [];
  // The parser puts the comment above a map's first key on the map itself; above the document's
  // first key it joins the file's leading comment, of which only the last paragraph is the key's.
  const walk = (map: YAMLMap, path: string[], inherited: string | undefined, topLevel: boolean) => {
    map.items.forEach((pair, index) => {
      if (!isScalar(pair.key)) return;
      const key = pair.key;
      let comment = key.commentBefore ?? (index === 0 && !topLevel ? map.commentBefore : null);
      if (topLevel && index === 0) comment = comment?.split(/\n\s*\n/).pop() ?? null;
      const childPath = [...path, String(key.value)];
      const documentedAt = inherited ?? (comment?.trim() ? childPath.join('.') : undefined);
      if (isMap(pair.value) && pair.value.items.length > 0)
        walk(pair.value, childPath, documentedAt, false);
      else leaves.push({ path: childPath.join('.'), documentedAt });
    });
  };
  if (isMap(document.contents)) walk(document.contents, [], undefined, true);
  return leaves;
}
