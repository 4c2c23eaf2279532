import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { Type, types } from 'avsc';
import { SAMPLE_RECORDS, sampleEvent } from '../../test/sample-records';
import { SCHEMA_NAMES, type SchemaName, type SchemaTypes } from '../generated/schema-types';
import { CURRENT_SCHEMA_DIR, readSchemaDirectory } from '../schemas/schema-directory';
import { SCHEMAS } from '../schemas/contract-schemas';
import { AvroCodec } from './avro-codec';
import { parseContractSchema } from './contract-type';
import { JsonLogicalType } from './json-logical-type';
import { parsingCanonicalForm } from './schema-fingerprint';

/*
 * Apache Avro Java (from Maven Central) as the independent witness of the wire format: it must
 * compute the same fingerprints, read what the codec writes and write what the codec reads.
 */
const INTEROP_DIR = path.resolve(__dirname, '../../../../tools/avro-interop');
const JAVA_SOURCE = path.join(INTEROP_DIR, 'AvroInterop.java');
const INFRA_HOME =
  process.env.TESSERA_INFRA_HOME ?? path.join(homedir(), '.cache', 'tessera-infra');
const JARS = path.join(INFRA_HOME, 'avro-interop', 'libs');

const codec = new AvroCodec();
const schemaFiles = new Map(
  readSchemaDirectory(CURRENT_SCHEMA_DIR).map(({ file, schema }) => [
    schema.name,
    path.join(CURRENT_SCHEMA_DIR, file),
  ]),
);
let workDir: string;

function ensureJars(): void {
  if (existsSync(JARS) && readdirSync(JARS).some((jar) => /^avro-\d/.test(jar))) return;
  execFileSync(
    'mvn',
    [
      '-q',
      '-B',
      '-f',
      path.join(INTEROP_DIR, 'pom.xml'),
      'dependency:copy-dependencies',
      `-DoutputDirectory=${JARS}`,
    ],
    { stdio: 'inherit', timeout: 280_000 },
  );
}

function java(...args: string[]): string {
  return execFileSync('java', ['-cp', path.join(JARS, '*'), JAVA_SOURCE, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
}

function schemaFile(name: SchemaName): string {
  const file = schemaFiles.get(name);
  if (!file) throw new Error(`no .avsc file for ${name}`);
  return file;
}

/** The value as Java's GenericData.toString prints it: bytes as ISO-8859-1 text, JSON fields as their text. */
function asJavaPrintsIt(type: Type, value: unknown): unknown {
  if (value === null) return null;
  if (type instanceof types.UnwrappedUnionType) {
    return asJavaPrintsIt(type.types.find((branch) => branch.typeName !== 'null') ?? type, value);
  }
  if (type instanceof JsonLogicalType) return JSON.stringify(value);
  if (Buffer.isBuffer(value)) return value.toString('latin1');
  if (type instanceof types.ArrayType && Array.isArray(value)) {
    return value.map((item) => asJavaPrintsIt(type.itemsType, item));
  }
  if (type instanceof types.RecordType) {
    const record = value as Record<string, unknown>;
    return Object.fromEntries(
      type.fields.map((field) => [field.name, asJavaPrintsIt(field.type, record[field.name])]),
    );
  }
  return value;
}

const EDGE_EVENT = sampleEvent({
  userId: null,
  properties: { '': [], ключ: '😀\u0000\u2028', big: 9_007_199_254_740_991 },
  traits: null,
  timestamp: Number.MIN_SAFE_INTEGER,
  sentAt: -(2 ** 52) - 1,
  receivedAt: Number.MAX_SAFE_INTEGER,
  originalTimestamp: 0,
  messageId: '',
  violations: [],
});

const CASES: [string, SchemaName, unknown][] = [
  ...SCHEMA_NAMES.map((name): [string, SchemaName, unknown] => [name, name, SAMPLE_RECORDS[name]]),
  ['Event with extreme timestamps and odd JSON', 'Event', EDGE_EVENT],
];

beforeAll(() => {
  ensureJars();
  workDir = mkdtempSync(path.join(tmpdir(), 'tessera-avro-interop-'));
}, 300_000);

afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('Apache Avro Java and the codec', () => {
  let javaFingerprints: Map<string, { fingerprint: string; canonicalForm: string }>;

  beforeAll(() => {
    const output = java('fingerprint', ...SCHEMA_NAMES.map(schemaFile));
    const lines = output.trim().split('\n');
    javaFingerprints = new Map(
      SCHEMA_NAMES.map((name, i) => {
        const [fingerprint, canonicalForm] = lines[i].split('\t');
        return [name, { fingerprint, canonicalForm }];
      }),
    );
  });

  it.each(SCHEMA_NAMES)('agree on the parsing canonical form of %s', (name) => {
    const ours = parsingCanonicalForm(parseContractSchema(SCHEMAS[name]));
    expect(javaFingerprints.get(name)?.canonicalForm).toBe(ours);
  });

  it.each(SCHEMA_NAMES)('agree on the CRC-64-AVRO fingerprint of %s', (name) => {
    const ours = codec.fingerprintOf(name).toString(16).padStart(16, '0');
    expect(javaFingerprints.get(name)?.fingerprint).toBe(ours);
  });

  it.each(CASES)("Java's BinaryMessageDecoder reads the %s the codec wrote", (_, name, value) => {
    const input = path.join(workDir, `${name}-ours.bin`);
    writeFileSync(input, codec.encode(name, value as SchemaTypes[typeof name]));
    const printed: unknown = JSON.parse(java('decode', schemaFile(name), input));
    expect(printed).toEqual(asJavaPrintsIt(parseContractSchema(SCHEMAS[name]), value));
  });

  it.each(CASES)("the codec reads the %s Java's BinaryMessageEncoder wrote", (_, name, value) => {
    const json = path.join(workDir, `${name}.json`);
    const output = path.join(workDir, `${name}-java.bin`);
    writeFileSync(json, parseContractSchema(SCHEMAS[name]).toString(value));
    java('encode', schemaFile(name), json, output);
    expect(codec.decodeAs(name, readFileSync(output))).toEqual(value);
  });

  it.each(CASES)('Java writes the %s byte for byte as the codec does', (_, name, value) => {
    const json = path.join(workDir, `${name}-bytes.json`);
    const output = path.join(workDir, `${name}-bytes.bin`);
    writeFileSync(json, parseContractSchema(SCHEMAS[name]).toString(value));
    java('encode', schemaFile(name), json, output);
    const javaBytes = readFileSync(output);
    // Avro leaves the order of a map's entries open and Java's maps keep none, so the codec
    // writes the value as Java read it (its map order), and the bytes must be the same.
    const asJavaOrdered = codec.decodeAs(name, javaBytes);
    expect(asJavaOrdered).toEqual(value);
    expect(codec.encode(name, asJavaOrdered).toString('hex')).toBe(javaBytes.toString('hex'));
  });
});
