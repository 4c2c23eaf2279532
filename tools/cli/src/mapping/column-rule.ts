import { MappingError } from './mapping.error';
import { RowRejectedError } from './row-rejected.error';

export const CASTS = ['string', 'number', 'boolean'] as const;
export type Cast = (typeof CASTS)[number];

/** `--map <column>=<path>[:<cast>]`: where a CSV column's value goes in the event. */
export interface ColumnRule {
  column: string;
  path: readonly string[];
  cast: Cast;
}

/** Objects that must stay objects: mapping a column onto one whole would leave nowhere for the rest. */
const CONTAINERS = new Set(['traits', 'properties', 'context']);
const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'prototype', 'constructor']);
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const BOOLEANS = new Map([
  ['true', true],
  ['false', false],
  ['1', true],
  ['0', false],
]);

export function parseColumnRule(spec: string): ColumnRule {
  const equals = spec.lastIndexOf('=');
  if (equals <= 0) throw new MappingError(`"${spec}" is not <column>=<path>[:<type>]`);
  const column = spec.slice(0, equals);
  let target = spec.slice(equals + 1);
  let cast: Cast = 'string';
  const colon = target.lastIndexOf(':');
  if (colon !== -1) {
    const suffix = target.slice(colon + 1);
    if (!isCast(suffix)) {
      throw new MappingError(`"${suffix}" in "${spec}" is not one of ${CASTS.join(', ')}`);
    }
    cast = suffix;
    target = target.slice(0, colon);
  }
  const path = target.split('.');
  if (path.some((segment) => segment === '' || FORBIDDEN_SEGMENTS.has(segment))) {
    throw new MappingError(`"${target}" in "${spec}" is not a dotted path such as traits.email`);
  }
  if (path.length === 1 && CONTAINERS.has(target)) {
    throw new MappingError(`"${spec}" maps a column onto all of ${target}; name a field in it`);
  }
  return { column, path, cast };
}

/** Two columns writing the same field, or one writing inside another's value, cannot both win. */
export function checkRulesAgree(rules: readonly ColumnRule[]): void {
  const columns = new Set<string>();
  for (const [index, rule] of rules.entries()) {
    if (columns.has(rule.column)) throw new MappingError(`column "${rule.column}" is mapped twice`);
    columns.add(rule.column);
    const clash = rules.slice(index + 1).find((other) => overlaps(rule.path, other.path));
    if (clash) {
      throw new MappingError(
        `columns "${rule.column}" and "${clash.column}" both write ${shorter(rule.path, clash.path)}`,
      );
    }
  }
}

/** The cell's value as the rule's type; a cell that is not one rejects its row. */
export function castCell(cell: string, rule: ColumnRule): string | number | boolean {
  switch (rule.cast) {
    case 'string':
      return cell;
    case 'number': {
      const text = cell.trim();
      if (!DECIMAL.test(text)) throw invalidValue(cell, rule, 'a number');
      return Number(text);
    }
    case 'boolean': {
      const value = BOOLEANS.get(cell.trim().toLowerCase());
      if (value === undefined) throw invalidValue(cell, rule, 'a boolean (true, false, 1, 0)');
      return value;
    }
  }
}

function invalidValue(cell: string, rule: ColumnRule, expected: string): RowRejectedError {
  return new RowRejectedError(
    'invalid_value',
    `column "${rule.column}": "${cell}" is not ${expected}`,
  );
}

function isCast(value: string): value is Cast {
  return (CASTS as readonly string[]).includes(value);
}

function overlaps(a: readonly string[], b: readonly string[]): boolean {
  const length = Math.min(a.length, b.length);
  return a.slice(0, length).every((segment, i) => segment === b[i]);
}

function shorter(a: readonly string[], b: readonly string[]): string {
  return (a.length <= b.length ? a : b).join('.');
}
