import { castCell, checkRulesAgree, type ColumnRule } from './column-rule';
import { MappingError } from './mapping.error';
import { RowRejectedError } from './row-rejected.error';
import {
  defaultType,
  freeFieldContainer,
  type EventDefaults,
  type SegmentEvent,
} from './segment-event';

type Field = Record<string, unknown>;

/** Turns CSV records into events: mapped columns go to their path, the others to traits or properties. */
export class CsvRowMapper {
  private readonly rules: ReadonlyMap<number, ColumnRule>;
  /** Columns without a rule, by index; columns with an empty header are dropped. */
  private readonly freeColumns: ReadonlyMap<number, string>;

  constructor(
    private readonly header: readonly string[],
    rules: readonly ColumnRule[],
    private readonly defaults: EventDefaults,
  ) {
    checkRulesAgree(rules);
    checkHeader(header, rules);
    const byColumn = new Map(rules.map((rule) => [rule.column, rule]));
    const mapped = new Map<number, ColumnRule>();
    const free = new Map<number, string>();
    header.forEach((column, index) => {
      const rule = byColumn.get(column);
      if (rule) mapped.set(index, rule);
      else if (column !== '') free.set(index, column);
    });
    this.rules = mapped;
    this.freeColumns = free;
  }

  map(fields: readonly string[]): SegmentEvent {
    if (fields.length > this.header.length) {
      throw new RowRejectedError(
        'invalid_row',
        `the row has ${fields.length} fields but the header names ${this.header.length} columns`,
      );
    }
    const event: SegmentEvent = record();
    for (const [index, rule] of this.rules) {
      const cell = fields[index] ?? '';
      if (cell !== '') setPath(event, rule.path, castCell(cell, rule));
    }
    event.type ??= defaultType(
      event.event !== undefined || this.defaults.event !== undefined,
      this.defaults,
    );
    if (event.type === 'track' && this.defaults.event !== undefined)
      event.event ??= this.defaults.event;
    const containerKey = freeFieldContainer(event.type);
    for (const [index, column] of this.freeColumns) {
      const cell = fields[index] ?? '';
      if (cell === '') continue;
      const container = containerOf(event, containerKey);
      // A mapped column naming the same field wins over the free column.
      if (!(column in container)) container[column] = cell;
    }
    return event;
  }
}

function checkHeader(header: readonly string[], rules: readonly ColumnRule[]): void {
  const seen = new Set<string>();
  for (const column of header) {
    if (column !== '' && seen.has(column)) {
      throw new MappingError(`the header names column "${column}" twice`);
    }
    seen.add(column);
  }
  const missing = rules.filter((rule) => !seen.has(rule.column)).map((rule) => `"${rule.column}"`);
  if (missing.length) {
    const columns = header.map((column) => `"${column}"`).join(', ');
    throw new MappingError(
      `--map names ${missing.join(', ')}, not in the header; the columns are ${columns}`,
    );
  }
}

/** Null-prototype objects, so a column named `__proto__` is data like any other. */
function record(): Field {
  return Object.create(null) as Field;
}

function setPath(target: Field, path: readonly string[], value: unknown): void {
  let node = target;
  for (const segment of path.slice(0, -1)) node = containerOf(node, segment);
  node[path[path.length - 1]] = value;
}

/** The object at `key`; rules are checked not to overlap, so anything there is one we created. */
function containerOf(parent: Field, key: string): Field {
  const existing = parent[key];
  if (existing !== undefined) return existing as Field;
  const created = record();
  parent[key] = created;
  return created;
}
