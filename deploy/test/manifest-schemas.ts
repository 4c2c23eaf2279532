import Ajv, { type ValidateFunction } from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import type { K8sObject } from './helm-chart';
import { REPO_ROOT } from './code-facts';

/**
 * Validation of rendered objects against the Kubernetes API's schemas (kubernetes-models, Kubernetes
 * 1.27 OpenAPI) and, for the custom resources, JSON schemas written from their CRDs.
 */

interface BuiltInKind {
  /** Module of kubernetes-models exporting the class `kind` and the interface `I<kind>`. */
  module: string;
}

const BUILT_IN: Record<string, BuiltInKind> = {
  'v1/ConfigMap': { module: 'kubernetes-models/v1/ConfigMap' },
  'v1/Secret': { module: 'kubernetes-models/v1/Secret' },
  'v1/Service': { module: 'kubernetes-models/v1/Service' },
  'v1/ServiceAccount': { module: 'kubernetes-models/v1/ServiceAccount' },
  'apps/v1/Deployment': { module: 'kubernetes-models/apps/v1/Deployment' },
  'autoscaling/v2/HorizontalPodAutoscaler': {
    module: 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler',
  },
  'policy/v1/PodDisruptionBudget': { module: 'kubernetes-models/policy/v1/PodDisruptionBudget' },
  'networking.k8s.io/v1/Ingress': { module: 'kubernetes-models/networking.k8s.io/v1/Ingress' },
  'batch/v1/Job': { module: 'kubernetes-models/batch/v1/Job' },
};

const CUSTOM_SCHEMAS: Record<string, string> = {
  'kafka.strimzi.io/v1beta2/KafkaTopic': 'kafka-topic.v1beta2.schema.json',
  'monitoring.coreos.com/v1/ServiceMonitor': 'service-monitor.v1.schema.json',
};

const typeOf = (object: K8sObject) => `${object.apiVersion}/${object.kind}`;

interface Model {
  validate(): void;
}
type ModelClass = new (data: unknown) => Model;

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const customValidators = new Map<string, ValidateFunction>();

function customValidator(type: string): ValidateFunction | undefined {
  const file = CUSTOM_SCHEMAS[type];
  if (!file) return undefined;
  let validator = customValidators.get(type);
  if (!validator) {
    const schema: unknown = JSON.parse(readFileSync(join(__dirname, 'schemas', file), 'utf8'));
    validator = ajv.compile(schema as object);
    customValidators.set(type, validator);
  }
  return validator;
}

/** Problems of one object against its kind's schema; throws for a kind no schema covers. */
export function schemaProblems(object: K8sObject): string[] {
  const type = typeOf(object);
  const builtIn = BUILT_IN[type];
  if (builtIn) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const model = (require(builtIn.module) as Record<string, ModelClass>)[object.kind];
    try {
      new model(object).validate();
      return [];
    } catch (error) {
      return [error instanceof Error ? error.message : String(error)];
    }
  }
  const validator = customValidator(type);
  if (!validator) throw new Error(`no schema for ${type} (${object.metadata.name})`);
  if (validator(object)) return [];
  return (validator.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}

/**
 * Fields the Kubernetes API does not know. The JSON schemas above accept unknown fields (so does
 * the API server, dropping them); TypeScript's excess-property check against kubernetes-models'
 * type declarations finds them, e.g. a misspelt `readinessProbe`.
 */
export function unknownFieldProblems(objects: K8sObject[]): string[] {
  const builtIn = objects.filter((object) => BUILT_IN[typeOf(object)]);
  const fileName = join(REPO_ROOT, 'deploy/test/__rendered-manifests__.ts');
  const imports = [...new Set(builtIn.map((object) => typeOf(object)))].map((type) => {
    const kind = type.split('/').pop() ?? '';
    return `import type { I${kind} as ${alias(type)} } from '${BUILT_IN[type].module}';`;
  });
  const declarations = builtIn.map(
    (object, index) =>
      `export const o${index}: ${alias(typeOf(object))} = ${JSON.stringify(object)};`,
  );
  const source = [...imports, ...declarations].join('\n');
  const host = ts.createCompilerHost({});
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.getSourceFile = (name, language, ...rest) =>
    name === fileName
      ? ts.createSourceFile(name, source, language)
      : getSourceFile(name, language, ...rest);
  host.fileExists = (name) => name === fileName || fileExists(name);
  const program = ts.createProgram(
    [fileName],
    {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: [],
      module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      target: ts.ScriptTarget.ES2022,
    },
    host,
  );
  return ts
    .getPreEmitDiagnostics(program)
    .filter((diagnostic) => diagnostic.file?.fileName === fileName)
    .map((diagnostic) => {
      const line = diagnostic.file!.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line;
      const object = builtIn[line - imports.length];
      const where = object ? `${object.kind} ${object.metadata.name}` : `line ${line}`;
      return `${where}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')}`;
    });
}

function alias(type: string): string {
  return `T_${type.replace(/[^A-Za-z0-9]/g, '_')}`;
}
