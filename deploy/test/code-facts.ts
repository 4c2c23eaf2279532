import { deadLetterTopicFor, TOPIC_CONFIGS, TOPICS } from '@tessera/contracts';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * What the code says a deployment must provide, read from the sources themselves so the chart's
 * checks follow the code: the variables each service reads, the ones it requires, its defaults,
 * its HTTP routes and the topics.
 */
export const REPO_ROOT = join(__dirname, '..', '..');
export const SERVICES = ['ingestion', 'identity', 'enrichment', 'activation'] as const;
export type ServiceName = (typeof SERVICES)[number];

const VARIABLE_IN_QUOTES = /['"`]([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)['"`]/g;
const VARIABLE_ON_ENV = /\benv\.([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\b/g;
/** The first argument of an EnvReader call, e.g. `reader.port('PORT', ...)`. */
const VARIABLE_READ = /\breader\.\w+\(\s*'([A-Z][A-Z0-9_]*)'/g;

export interface ServiceFacts {
  /** Every environment variable the service's config modules read. */
  variables: Set<string>;
  /** Variables it refuses to start without (`reader.secret`, no default). */
  required: Set<string>;
  defaultPort: number;
  defaultDatabase: string;
  /** HTTP paths of its controllers with a literal path, e.g. `/v1/identity`. */
  controllerPaths: string[];
}

function read(path: string): string {
  return readFileSync(join(REPO_ROOT, path), 'utf8');
}

function variablesIn(source: string): string[] {
  return [
    ...source.matchAll(VARIABLE_IN_QUOTES),
    ...source.matchAll(VARIABLE_ON_ENV),
    ...source.matchAll(VARIABLE_READ),
  ].map((match) => match[1]);
}

function sourceFiles(dir: string): string[] {
  const absolute = join(REPO_ROOT, dir);
  if (!existsSync(absolute)) return [];
  return readdirSync(absolute, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !/\.(int-|e2e-)?spec\.ts$/.test(file))
    .map((file) => relative(REPO_ROOT, join(absolute, file)));
}

function controllerPrefixes(dir: string): string[] {
  return sourceFiles(dir).flatMap((file) =>
    [...read(file).matchAll(/@Controller\(\s*'([^']+)'\s*\)/g)].map((match) => `/${match[1]}`),
  );
}

export function serviceFacts(service: ServiceName): ServiceFacts {
  const configModule = read(`apps/${service}/src/config/${service}.config.ts`);
  const platform = read('libs/platform/config/src/platform-config.ts');
  const telemetry = read('libs/platform/telemetry/src/telemetry.config.ts');
  const variables = new Set([
    ...variablesIn(configModule),
    ...variablesIn(platform),
    ...variablesIn(telemetry),
  ]);
  if (configModule.includes('readIdentityRules(')) {
    for (const name of variablesIn(read('libs/identity/src/identity-rules-settings.ts')))
      variables.add(name);
  }
  const required = new Set(
    [...configModule.matchAll(/reader\.secret\(\s*'([A-Z0-9_]+)'/g)].map((match) => match[1]),
  );
  const defaultPort = Number(/\bport:\s*(\d+)/.exec(configModule)?.[1]);
  const defaultDatabase = /\bdatabase:\s*'([^']+)'/.exec(configModule)?.[1] ?? '';
  return {
    variables,
    required,
    defaultPort,
    defaultDatabase,
    controllerPaths: controllerPrefixes(`apps/${service}/src`).filter(
      (path) => path !== '/metrics',
    ),
  };
}

/** `/health/live` and `/health/ready`, from the platform's health controller. */
export function healthPaths(): { live: string; ready: string } {
  const source = read('libs/platform/service/src/health.controller.ts');
  const base = /@Controller\('([^']+)'\)/.exec(source)?.[1];
  const route = (name: string) => {
    if (!new RegExp(`@Get\\('${name}'\\)`).test(source))
      throw new Error(`the health controller has no GET ${name}`);
    return `/${base}/${name}`;
  };
  return { live: route('live'), ready: route('ready') };
}

/** The path of the Prometheus metrics controller every service mounts through the platform. */
export function metricsPath(): string {
  const paths = ['libs/platform', ...SERVICES.map((service) => `apps/${service}/src`)]
    .flatMap((dir) => controllerPrefixes(dir))
    .filter((path) => path.includes('metrics'));
  if (paths.length === 0) throw new Error('no metrics controller found');
  return paths[0];
}

/** Contract topics each service consumes, from the `consumes` list of its app.module.ts. */
export function consumedTopics(service: ServiceName): string[] {
  const source = read(`apps/${service}/src/app.module.ts`);
  const list = /consumes:\s*\[([^\]]*)\]/.exec(source)?.[1];
  if (list === undefined) throw new Error(`${service} declares no consumes list`);
  return [...list.matchAll(/TOPICS\.(\w+)/g)].map((match) => {
    const topic = TOPICS[match[1] as keyof typeof TOPICS];
    if (!topic) throw new Error(`${service} consumes unknown TOPICS.${match[1]}`);
    return topic;
  });
}

/** Every topic the services use: the contract topics and the dead-letter topic of each consumed one. */
export function expectedTopics(): Map<string, { compacted: boolean }> {
  const topics = new Map<string, { compacted: boolean }>();
  for (const topic of Object.values(TOPICS))
    topics.set(topic, {
      compacted: TOPIC_CONFIGS[topic]?.['cleanup.policy'] === 'compact',
    });
  for (const service of SERVICES)
    for (const topic of consumedTopics(service))
      topics.set(deadLetterTopicFor(topic), { compacted: false });
  return topics;
}

export function repoFile(path: string): string | undefined {
  const absolute = join(REPO_ROOT, path);
  return existsSync(absolute) ? readFileSync(absolute, 'utf8') : undefined;
}
