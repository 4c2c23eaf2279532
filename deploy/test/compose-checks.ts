import Ajv2020 from 'ajv/dist/2020';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { parseDockerfile } from './dockerfile-parser';

export const ROOT = path.resolve(__dirname, '../..');
export const COMPOSE_FILE = path.join(ROOT, 'deploy/compose/compose.yaml');

type Env = Record<string, string>;
type Scalar = string | number | boolean | null;

export interface ComposeService {
  image?: string;
  build?: { context?: string; dockerfile?: string; args?: Record<string, Scalar> | string[] };
  environment?: Record<string, Scalar> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  links?: string[];
  volumes_from?: string[];
  network_mode?: string;
  hostname?: string;
  networks?: string[] | Record<string, { aliases?: string[] } | null>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  restart?: string;
  stop_grace_period?: string;
  volumes?: (string | { type?: string; source?: string })[];
  ports?: (string | number | { published?: string | number; host_ip?: string })[];
  command?: string | string[];
  entrypoint?: string | string[];
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/** The compose file as Compose reads it: YAML with merge keys (`<<: *anchor`). */
export function parseCompose(text: string): unknown {
  return parse(text, { merge: true });
}

export function readCompose(): unknown {
  return parseCompose(readFileSync(COMPOSE_FILE, 'utf8'));
}

/** Errors of the document against the Compose Specification's schema (the one compose-go uses). */
export function schemaErrors(document: unknown, schemaFile: string): string[] {
  const schema = JSON.parse(readFileSync(schemaFile, 'utf8')) as object;
  // The schema leaves `type` and some `required` names implicit, which Ajv's strict mode refuses;
  // unknown keywords still fail.
  const ajv = new Ajv2020({ allErrors: true, strictTypes: false, strictRequired: false });
  // compose-go registers this format (Go durations) with its validator; so do we.
  ajv.addFormat('duration', /^[-+]?(\d+(\.\d*)?(ns|us|µs|ms|s|m|h))+$|^0$/);
  const validate = ajv.compile(schema);
  if (validate(document)) return [];
  return (validate.errors ?? []).map(
    (error) =>
      `${error.instancePath || '/'} ${error.message ?? ''} ${JSON.stringify(error.params)}`,
  );
}

/** The schema file, fetched through the Go module proxy by tools/infra/compose-schema.sh. */
export function composeSchemaFile(): string {
  return execFileSync('bash', [path.join(ROOT, 'tools/infra/compose-schema.sh')], {
    encoding: 'utf8',
  }).trim();
}

const VARIABLE = /\$\$|\$\{([^}]+)\}|\$([A-Za-z_]\w*)/g;

/**
 * Compose's interpolation with the given shell environment: `${X}`, `${X:-d}`, `${X-d}`, `${X:?e}`,
 * `$X`, `$$`. A variable without a default and missing from `shell` is a problem: `up` would have
 * to be told it, or would run with an empty value.
 */
export function interpolate<T>(value: T, shell: Env, problems: string[]): T {
  if (typeof value === 'string') {
    return value.replace(VARIABLE, (match, braced?: string, bare?: string) => {
      if (match === '$$') return '$';
      const expression = (braced ?? bare)!;
      const parts = /^(\w+)(?:(:?[-?+])(.*))?$/s.exec(expression);
      if (!parts) {
        problems.push(`\${${expression}} is no variable reference`);
        return '';
      }
      const [, name, operator, operand = ''] = parts;
      const set = shell[name];
      if (operator?.endsWith('-')) {
        return set === undefined || (operator === ':-' && set === '') ? operand : set;
      }
      if (operator?.endsWith('+')) return set ? operand : '';
      if (set === undefined)
        problems.push(`\${${expression}} has no default and ${name} is not set`);
      return set ?? '';
    }) as T;
  }
  if (Array.isArray(value))
    return value.map((item: unknown) => interpolate(item, shell, problems)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolate(item, shell, problems)]),
    ) as T;
  }
  return value;
}

export function environmentOf(service: ComposeService): Env {
  const environment = service.environment ?? {};
  if (Array.isArray(environment)) {
    return Object.fromEntries(
      environment.map((entry) => {
        const at = entry.indexOf('=');
        return at === -1 ? [entry, ''] : [entry.slice(0, at), entry.slice(at + 1)];
      }),
    );
  }
  return Object.fromEntries(
    Object.entries(environment).map(([name, value]) => [name, value == null ? '' : String(value)]),
  );
}

/** Every service another one names (depends_on, links, volumes_from, network_mode) exists. */
export function checkReferences(compose: ComposeFile): string[] {
  const problems: string[] = [];
  const names = Object.keys(compose.services);
  for (const [name, service] of Object.entries(compose.services)) {
    const dependsOn = service.depends_on ?? [];
    const conditions = Array.isArray(dependsOn)
      ? dependsOn.map((target) => [target, 'service_started'] as const)
      : Object.entries(dependsOn).map(([target, spec]) => [target, spec?.condition] as const);
    for (const [target, condition] of conditions) {
      const dependency = compose.services[target];
      if (!dependency) {
        problems.push(`${name} depends on ${target}, which is no service`);
      } else if (condition === 'service_healthy' && !hasHealthcheck(dependency)) {
        problems.push(
          `${name} waits for ${target} to be healthy, but ${target} has no healthcheck`,
        );
      } else if (
        condition === 'service_completed_successfully' &&
        dependency.restart !== undefined &&
        dependency.restart !== 'no'
      ) {
        problems.push(`${name} waits for ${target} to complete, but ${target} restarts`);
      }
    }
    const named = [
      ...(service.links ?? []).map((link) => link.split(':')[0]),
      ...(service.volumes_from ?? []).map((from) => from.split(':')[0]),
      ...(service.network_mode?.startsWith('service:') ? [service.network_mode.slice(8)] : []),
    ];
    for (const target of named) {
      if (!names.includes(target))
        problems.push(`${name} refers to ${target}, which is no service`);
    }
  }
  return problems;
}

function hasHealthcheck(service: ComposeService): boolean {
  const test = service.healthcheck?.test;
  return (
    Boolean(test) && !service.healthcheck?.disable && !(Array.isArray(test) && test[0] === 'NONE')
  );
}

const HOST_PORT = /(?<![\w.-])([a-z][a-z0-9-]*(?:\.[a-z0-9-]+)*):(\d{2,5})(?!\d)/g;
const LOCAL_HOSTS = new Set(['localhost']);

/**
 * Host names in `host:port` form (URLs, broker lists, replica set members) in the services'
 * environment, commands and healthchecks, and in the files mounted into them: each must be a
 * service (or its hostname or network alias) of the file.
 */
export function checkHostNames(compose: ComposeFile, composeDir: string): string[] {
  const known = new Set<string>(LOCAL_HOSTS);
  for (const [name, service] of Object.entries(compose.services)) {
    known.add(name);
    if (service.hostname) known.add(service.hostname);
    if (service.networks && !Array.isArray(service.networks)) {
      for (const network of Object.values(service.networks)) {
        for (const alias of network?.aliases ?? []) known.add(alias);
      }
    }
  }
  const problems: string[] = [];
  for (const [name, service] of Object.entries(compose.services)) {
    const texts = [
      ...Object.entries(environmentOf(service)).map(([key, value]) => [
        `environment ${key}`,
        value,
      ]),
      ['command', [service.command ?? []].flat().join(' ')],
      ['entrypoint', [service.entrypoint ?? []].flat().join(' ')],
      ['healthcheck', [service.healthcheck?.test ?? []].flat().join(' ')],
      ...bindMounts(service).map((source) => {
        const file = path.resolve(composeDir, source);
        const text = existsSync(file) && statSync(file).isFile() ? readFileSync(file, 'utf8') : '';
        return [`mounted file ${source}`, text];
      }),
    ];
    for (const [where, text] of texts) {
      for (const [, host, port] of text.matchAll(HOST_PORT)) {
        if (!known.has(host)) {
          problems.push(`${name} ${where} names ${host}:${port}, but ${host} is no service`);
        }
      }
    }
  }
  return problems;
}

/** Every KAFKA_BROKERS entry is a listener the broker advertises, else clients get redirected away. */
export function checkKafkaListeners(compose: ComposeFile): string[] {
  const advertised = new Set<string>();
  for (const service of Object.values(compose.services)) {
    const listeners = environmentOf(service).KAFKA_ADVERTISED_LISTENERS ?? '';
    for (const [, hostPort] of listeners.matchAll(/\/\/([^,\s]+)/g)) advertised.add(hostPort);
  }
  const problems: string[] = [];
  for (const [name, service] of Object.entries(compose.services)) {
    const brokers = environmentOf(service).KAFKA_BROKERS;
    for (const broker of brokers?.split(',').map((entry) => entry.trim()) ?? []) {
      if (!advertised.has(broker)) {
        problems.push(`${name} KAFKA_BROKERS ${broker} is no advertised Kafka listener`);
      }
    }
  }
  return problems;
}

/** The host paths a service bind-mounts (short `./file:/path` form or long `type: bind`). */
function bindMounts(service: ComposeService): string[] {
  return (service.volumes ?? []).flatMap((volume) => {
    if (typeof volume !== 'string') {
      return volume.type === 'bind' && volume.source ? [volume.source] : [];
    }
    const [source] = volume.split(':');
    return /^[./~]/.test(source) ? [source] : [];
  });
}

/** Bind-mounted files exist beside the compose file; named volumes are declared. */
export function checkVolumes(compose: ComposeFile, composeDir: string): string[] {
  const problems: string[] = [];
  const declared = Object.keys(compose.volumes ?? {});
  for (const [name, service] of Object.entries(compose.services)) {
    for (const source of bindMounts(service)) {
      if (!existsSync(path.resolve(composeDir, source))) {
        problems.push(`${name} mounts ${source}, which does not exist`);
      }
    }
    for (const volume of service.volumes ?? []) {
      if (typeof volume !== 'string') continue;
      const [source] = volume.split(':');
      if (volume.includes(':') && !/^[./~]/.test(source) && !declared.includes(source)) {
        problems.push(`${name} uses volume ${source}, which is not declared`);
      }
    }
  }
  return problems;
}

/** Every image has a version tag or a digest: not `latest`, not left to float. */
export function checkImagesPinned(compose: ComposeFile): string[] {
  return Object.entries(compose.services).flatMap(([name, service]) => {
    if (!service.image) return service.build ? [] : [`${name} has neither image nor build`];
    if (service.image.includes('@sha256:')) return [];
    const tag = /:([^/:]+)$/.exec(service.image)?.[1];
    return tag && tag !== 'latest' && /\d/.test(tag)
      ? []
      : [`${name} image ${service.image} is not pinned to a version`];
  });
}

/** No two services publish the same host address and port. */
export function checkPublishedPorts(compose: ComposeFile): string[] {
  const seen = new Map<string, string>();
  const problems: string[] = [];
  for (const [name, service] of Object.entries(compose.services)) {
    for (const port of service.ports ?? []) {
      const published =
        typeof port === 'object'
          ? `${port.host_ip ?? '0.0.0.0'}:${port.published}`
          : String(port).split(':').slice(0, -1).join(':');
      if (!published) continue;
      const owner = seen.get(published);
      if (owner) problems.push(`${name} and ${owner} both publish ${published}`);
      seen.set(published, name);
    }
  }
  return problems;
}

/** The Tessera services: those built from the repository's Dockerfile, by their SERVICE build arg. */
export function tesseraServices(compose: ComposeFile, composeDir: string): Map<string, string> {
  const result = new Map<string, string>();
  for (const [name, service] of Object.entries(compose.services)) {
    if (!service.build) continue;
    const context = path.resolve(composeDir, service.build.context ?? '.');
    const dockerfile = path.resolve(context, service.build.dockerfile ?? 'Dockerfile');
    if (dockerfile !== path.join(ROOT, 'deploy/docker/Dockerfile')) continue;
    result.set(name, String(buildArgs(service).SERVICE ?? ''));
  }
  return result;
}

function buildArgs(service: ComposeService): Record<string, Scalar> {
  const args = service.build?.args ?? {};
  return Array.isArray(args)
    ? Object.fromEntries(args.map((entry) => entry.split('=') as [string, string]))
    : args;
}

/**
 * Builds: the context and Dockerfile exist, every build arg is an ARG of the Dockerfile, and each
 * app in apps/ is a service built with its name as SERVICE.
 */
export function checkBuilds(compose: ComposeFile, composeDir: string): string[] {
  const problems: string[] = [];
  for (const [name, service] of Object.entries(compose.services)) {
    if (!service.build) continue;
    const context = path.resolve(composeDir, service.build.context ?? '.');
    const dockerfile = path.resolve(context, service.build.dockerfile ?? 'Dockerfile');
    if (!existsSync(context)) problems.push(`${name} build context ${context} does not exist`);
    if (!existsSync(dockerfile)) {
      problems.push(`${name} Dockerfile ${dockerfile} does not exist`);
      continue;
    }
    const declared = parseDockerfile(readFileSync(dockerfile, 'utf8'))
      .stages.flatMap((stage) => stage.instructions)
      .filter((instruction) => instruction.keyword === 'ARG')
      .map((instruction) => instruction.raw.split('=')[0].trim());
    for (const arg of Object.keys(buildArgs(service))) {
      if (!declared.includes(arg))
        problems.push(`${name} build arg ${arg} is no ARG of the Dockerfile`);
    }
  }
  const built = [...tesseraServices(compose, composeDir).entries()];
  for (const [name, app] of built) {
    if (!existsSync(path.join(ROOT, 'apps', app, 'src/main.ts'))) {
      problems.push(`${name} builds SERVICE=${app}, which is no app in apps/`);
    }
  }
  for (const app of readdirSync(path.join(ROOT, 'apps'))) {
    if (!built.some(([, service]) => service === app)) problems.push(`no service runs app ${app}`);
  }
  return problems;
}

/** The Tessera services get SIGKILLed only after their own shutdown limit has passed. */
export function checkStopGracePeriods(compose: ComposeFile, composeDir: string): string[] {
  const problems: string[] = [];
  for (const name of tesseraServices(compose, composeDir).keys()) {
    const service = compose.services[name];
    const shutdownMs = Number(environmentOf(service).SHUTDOWN_TIMEOUT_MS || 25_000);
    const graceMs = durationMs(service.stop_grace_period ?? '10s');
    if (graceMs <= shutdownMs) {
      problems.push(
        `${name} stop_grace_period ${service.stop_grace_period ?? '10s (default)'} is not longer than its ${shutdownMs} ms shutdown`,
      );
    }
  }
  return problems;
}

function durationMs(duration: string): number {
  const units: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
  let total = 0;
  for (const [, amount, unit] of duration.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    total += Number(amount) * units[unit];
  }
  return total;
}

/** Problems the services' own configuration loaders find in their compose environment. */
export interface LoadedConfig {
  error?: string;
  /** Whether the telemetry configuration exports traces (an OTLP endpoint is set). */
  tracesExported: boolean;
}

/**
 * Runs each app's `load<App>Config` and `readTelemetryConfig` from its sources, in a separate
 * Node process through @swc-node/register as `npm start` does, on the given environments.
 */
export function loadServiceConfigs(
  environments: Record<string, Env>,
): Record<string, LoadedConfig> {
  const script = `
    const input = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
    const { readTelemetryConfig } = require('./libs/platform/telemetry/src/telemetry.config.ts');
    const result = {};
    for (const [app, env] of Object.entries(input)) {
      const module = require('./apps/' + app + '/src/config/' + app + '.config.ts');
      const load = Object.values(module).find((value) => typeof value === 'function' && /^load\\w*Config$/.test(value.name));
      let error;
      try { load(env); } catch (caught) { error = caught.message; }
      result[app] = { error, tracesExported: readTelemetryConfig(env).tracesExported };
    }
    process.stdout.write(JSON.stringify(result));`;
  const output = execFileSync(process.execPath, ['-r', '@swc-node/register', '-e', script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, SWC_NODE_PROJECT: 'tsconfig.base.json' },
    input: JSON.stringify(environments),
    encoding: 'utf8',
  });
  return JSON.parse(output) as Record<string, LoadedConfig>;
}

/**
 * Every variable a Tessera service is given is one something in it reads: its app's or a
 * library's sources, the image's entrypoint, or the OpenTelemetry SDK (OTEL_*).
 */
export function checkVariablesRead(compose: ComposeFile, composeDir: string): string[] {
  const problems: string[] = [];
  const libraries = sourceText(path.join(ROOT, 'libs'));
  const entrypoint = readFileSync(path.join(ROOT, 'deploy/docker/entrypoint.sh'), 'utf8');
  for (const [name, app] of tesseraServices(compose, composeDir)) {
    const code = `${sourceText(path.join(ROOT, 'apps', app, 'src'))}${libraries}${entrypoint}`;
    for (const variable of Object.keys(environmentOf(compose.services[name]))) {
      const read = variable.startsWith('OTEL_')
        ? readByOpenTelemetry(variable)
        : new RegExp(`['".{]${variable}\\b`).test(code);
      if (!read) problems.push(`${name} sets ${variable}, which nothing in it reads`);
    }
  }
  return problems;
}

const sourceTexts = new Map<string, string>();

/** The non-test TypeScript under a folder, concatenated. */
function sourceText(folder: string): string {
  const cached = sourceTexts.get(folder);
  if (cached !== undefined) return cached;
  const text = readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /(?<!spec)\.ts$/.test(entry.name))
    .map((entry) => readFileSync(path.join(entry.parentPath, entry.name), 'utf8'))
    .join('\n');
  sourceTexts.set(folder, text);
  return text;
}

function readByOpenTelemetry(variable: string): boolean {
  try {
    execFileSync('grep', ['-rqsF', '--include=*.js', variable, 'node_modules/@opentelemetry'], {
      cwd: ROOT,
    });
    return true;
  } catch {
    return false;
  }
}
