import type { AvroRecordSchema, AvroSchema } from '../src/schemas/avro-schema';

const HEADER = `// Generated from libs/contracts/schemas/*.avsc; do not edit. Regenerate with
// node -r @swc-node/register libs/contracts/scripts/generate-types.ts`;

const PRIMITIVE_TYPES: Record<string, string> = {
  null: 'null',
  boolean: 'boolean',
  int: 'number',
  long: 'number',
  float: 'number',
  double: 'number',
  string: 'string',
  bytes: 'Buffer',
};

// Prettier's print width: the generated file must pass `prettier --check` as written.
const MAX_LINE = 100;

/**
 * Renders the TypeScript types of the contract schemas: an interface per record, a string union
 * per enum, `T | null` per nullable union, JsonObject for the json logical type, epoch-millisecond
 * numbers for timestamps and Buffer for bytes.
 */
export function renderSchemaTypes(schemas: readonly AvroRecordSchema[]): string {
  const renderer = new TypesRenderer();
  const roots = [...schemas].sort((a, b) => shortName(a.name).localeCompare(shortName(b.name)));
  roots.forEach((schema) => renderer.define(schema, schema.namespace ?? ''));
  const names = roots.map((schema) => shortName(schema.name));
  const imports = renderer.usesJson ? "import type { JsonObject } from '../json-value';\n\n" : '';
  return (
    [
      `${HEADER}\n${imports}${renderer.declarations.join('\n\n')}`,
      renderConstArray(
        'SCHEMA_NAMES',
        names,
        'The contract schemas by short name, one per .avsc file.',
      ),
      '/** Short name of a top-level contract schema (the record name without the tessera.v1 namespace). */\nexport type SchemaName = (typeof SCHEMA_NAMES)[number];',
      `/** The TypeScript type of each contract schema. */\nexport interface SchemaTypes {\n${names.map((name) => `  ${name}: ${name};`).join('\n')}\n}`,
    ].join('\n\n') + '\n'
  );
}

class TypesRenderer {
  readonly declarations: string[] = [];
  usesJson = false;
  private readonly defined = new Map<string, string>();
  private readonly shapes = new Map<string, string>();

  define(schema: AvroSchema, namespace: string): string {
    if (typeof schema === 'string') return this.reference(schema, namespace);
    if (Array.isArray(schema)) return this.union(schema, namespace);
    if ('fields' in schema) return this.record(schema, namespace);
    if ('symbols' in schema) {
      const again = this.redefinition(schema, schema.namespace ?? namespace);
      if (again) return again;
      const name = this.claim(schema.name, schema.namespace ?? namespace, schema);
      const symbols = schema.symbols.map((symbol) => `'${symbol}'`);
      this.declarations.push(docComment(schema.doc, '') + renderUnionAlias(name, symbols));
      return name;
    }
    if ('items' in schema) return arrayOf(this.define(schema.items, namespace));
    if ('values' in schema) return `Record<string, ${this.define(schema.values, namespace)}>`;
    if ('size' in schema) {
      this.claim(schema.name, schema.namespace ?? namespace);
      return 'Buffer';
    }
    if (schema.logicalType === 'json' && schema.type === 'string') {
      this.usesJson = true;
      return 'JsonObject';
    }
    return this.define(schema.type, namespace);
  }

  private record(schema: AvroRecordSchema, namespace: string): string {
    const ownNamespace = namespaceOf(schema.name, schema.namespace ?? namespace);
    const again = this.redefinition(schema, ownNamespace);
    if (again) return again;
    const name = this.claim(schema.name, ownNamespace, schema);
    const slot = this.declarations.push('') - 1;
    const fields = schema.fields.map(
      (field) =>
        `${docComment(field.doc, '  ')}  ${field.name}: ${this.define(field.type, ownNamespace)};`,
    );
    this.declarations[slot] =
      `${docComment(schema.doc, '')}export interface ${name} {\n${fields.join('\n')}\n}`;
    return name;
  }

  private union(branches: AvroSchema[], namespace: string): string {
    const nonNull = branches.filter((branch) => branch !== 'null');
    if (branches.length !== 2 || nonNull.length !== 1) {
      throw new Error(
        `Unsupported union ${JSON.stringify(branches)}: contract schemas use only ["null", T] unions`,
      );
    }
    return `${this.define(nonNull[0], namespace)} | null`;
  }

  private reference(name: string, namespace: string): string {
    if (name in PRIMITIVE_TYPES) return PRIMITIVE_TYPES[name];
    const full = fullName(name, namespace);
    const declared = this.defined.get(full);
    if (!declared) throw new Error(`Schema references ${full} before defining it`);
    return declared;
  }

  /**
   * The name of a type another schema file already defined identically (schemas are parsed one
   * file at a time, so a file that embeds a shared type repeats its definition); undefined if new.
   */
  private redefinition(schema: { name: string }, namespace: string): string | undefined {
    const full = fullName(schema.name, namespace);
    const earlier = this.shapes.get(full);
    return earlier !== undefined && earlier === JSON.stringify(schema)
      ? this.defined.get(full)
      : undefined;
  }

  private claim(name: string, namespace: string, schema?: object): string {
    const full = fullName(name, namespace);
    if (schema) this.shapes.set(full, JSON.stringify(schema));
    const short = shortName(full);
    if (this.defined.has(full) || [...this.defined.values()].includes(short)) {
      throw new Error(`Type name ${short} is defined twice; give each named type its own name`);
    }
    this.defined.set(full, short);
    return short;
  }
}

function renderUnionAlias(name: string, members: string[]): string {
  const line = `export type ${name} = ${members.join(' | ')};`;
  if (line.length <= MAX_LINE) return line;
  return `export type ${name} =\n${members.map((member) => `  | ${member}`).join('\n')};`;
}

function renderConstArray(name: string, items: string[], doc: string): string {
  const quoted = items.map((item) => `'${item}'`);
  const line = `export const ${name} = [${quoted.join(', ')}] as const;`;
  const body =
    line.length <= MAX_LINE
      ? line
      : `export const ${name} = [\n${quoted.map((item) => `  ${item},`).join('\n')}\n] as const;`;
  return `/** ${doc} */\n${body}`;
}

function arrayOf(item: string): string {
  return item.includes(' ') ? `(${item})[]` : `${item}[]`;
}

function docComment(doc: string | undefined, indent: string): string {
  if (!doc) return '';
  const text = doc.replace(/\*\//g, '*\\/').trim();
  if (!text.includes('\n')) return `${indent}/** ${text} */\n`;
  const lines = text
    .split('\n')
    .map((line) => `${indent} *${line.trim() ? ` ${line.trim()}` : ''}`);
  return `${indent}/**\n${lines.join('\n')}\n${indent} */\n`;
}

function fullName(name: string, namespace: string): string {
  return name.includes('.') || !namespace ? name : `${namespace}.${name}`;
}

function namespaceOf(name: string, namespace: string): string {
  return name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : namespace;
}

function shortName(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}
