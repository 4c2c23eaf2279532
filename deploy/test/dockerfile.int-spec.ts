import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  checkDockerfile,
  DOCKERFILE,
  readDockerfile,
  replayImage,
  repositoryContext,
  ROOT,
  type ReplayedImage,
} from './dockerfile-checks';
import { DockerIgnore, parseDockerfile } from './dockerfile-parser';

const SERVICES = ['ingestion', 'identity', 'enrichment', 'activation'];

describe('deploy/docker/Dockerfile', () => {
  const context = repositoryContext();

  it('is multi-stage on Node LTS slim, runs as a numeric non-root user, has no HEALTHCHECK, ships production dependencies and copies only what the build context holds', () => {
    expect(checkDockerfile(readDockerfile(), context)).toEqual([]);
  });

  it('reports a HEALTHCHECK, a root user, a shell-form entrypoint, a missing file and dev dependencies in a broken copy', () => {
    const broken = readFileSync(path.join(ROOT, DOCKERFILE), 'utf8')
      .replace('USER 1000:1000', 'USER root\nHEALTHCHECK CMD node -e 0')
      .replace('ENTRYPOINT ["/app/entrypoint.sh"]', 'ENTRYPOINT /app/entrypoint.sh')
      .replace('COPY apps apps', 'COPY apps apps\nCOPY no-such-file.txt ./')
      .replace('npm ci --omit=dev', 'npm ci');

    const problems = checkDockerfile(parseDockerfile(broken), context).join('\n');

    expect(problems).toMatch(/HEALTHCHECK \(Kubernetes probes/);
    expect(problems).toMatch(/USER root is root or not numeric/);
    expect(problems).toMatch(/ENTRYPOINT is in shell form/);
    expect(problems).toMatch(/COPY source no-such-file.txt does not exist/);
    expect(problems).toMatch(/does not run npm ci --omit=dev/);
  });

  it('reports a COPY source that .dockerignore leaves out of the build context', () => {
    const ignoreText = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8');
    const narrowed = { root: ROOT, ignore: new DockerIgnore(`${ignoreText}\ndocs/\n`) };

    expect(checkDockerfile(readDockerfile(), narrowed)).toEqual([
      expect.stringMatching(/COPY source docs\/openapi.json is left out by .dockerignore/),
    ]);
  });

  it('keeps node_modules, git history, build output, local secrets and tests out of the build context', () => {
    for (const outside of [
      'node_modules/kafkajs/package.json',
      'apps/ingestion/node_modules/x/index.js',
      '.git/HEAD',
      '.env',
      'dist/services/apps/ingestion/src/main.js',
      'apps/ingestion/src/config/ingestion.config.spec.ts',
      'apps/ingestion/test/collection.int-spec.ts',
      'libs/testing/src/index.ts',
      'test/e2e/pipeline.e2e-spec.ts',
      'tools/cli/src/main.ts',
    ]) {
      expect([outside, context.ignore.ignores(outside)]).toEqual([outside, true]);
    }
    for (const inside of [
      'apps/ingestion/src/main.ts',
      'libs/contracts/schemas/event.v1.avsc',
      'docs/openapi.json',
      'package-lock.json',
      'tools/build/build-services.ts',
      'deploy/docker/entrypoint.sh',
    ]) {
      expect([inside, context.ignore.ignores(inside)]).toEqual([inside, false]);
    }
  });
});

describe('the image, replayed without Docker', () => {
  let workDir: string;
  let image: ReplayedImage;

  beforeAll(() => {
    workDir = mkdtempSync(path.join(tmpdir(), 'tessera-image-'));
    image = replayImage(readDockerfile(), repositoryContext(), workDir, 'ingestion');
  });

  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  it('bakes the SERVICE build arg into TESSERA_SERVICE and sets NODE_ENV=production', () => {
    expect(image.env).toMatchObject({ TESSERA_SERVICE: 'ingestion', NODE_ENV: 'production' });
  });

  it.each(SERVICES)(
    'starts %s from its compiled main through the entrypoint, which stops at the missing secrets',
    (service) => {
      // The baked service runs by default; the others are named as the container's argument.
      const args = service === image.env.TESSERA_SERVICE ? [] : [service];
      const run = spawnSync(image.entrypoint[0], args, {
        env: { PATH: process.env.PATH, ...image.env },
        encoding: 'utf8',
        timeout: 60_000,
      });

      expect(run.stderr).toContain(`${service} failed to start: Invalid configuration`);
      expect(run.stderr).toContain('ADMIN_TOKEN is required but not set');
      expect(run.status).toBe(1);
    },
  );

  it('holds the OpenAPI document and the Avro schemas where the compiled code looks for them', () => {
    const script = `
      const openapi = require('./apps/ingestion/src/openapi/openapi-document.js');
      const schemas = require('./libs/contracts/src/schemas/schema-directory.js');
      console.log(JSON.stringify({
        openapi: JSON.parse(openapi.readOpenApiDocument()).openapi,
        current: schemas.readSchemaDirectory(schemas.CURRENT_SCHEMA_DIR).length,
        released: schemas.readSchemaDirectory(schemas.RELEASED_SCHEMA_DIR).length,
      }));`;
    const run = spawnSync(process.execPath, ['-e', script], {
      cwd: image.appRoot,
      encoding: 'utf8',
    });

    expect(run.stderr).toBe('');
    const found = JSON.parse(run.stdout) as { openapi: string; current: number; released: number };
    expect(found.openapi).toMatch(/^3\./);
    expect(found.current).toBeGreaterThan(0);
    expect(found.released).toBeGreaterThan(0);
  });

  it('requires at run time only packages that `npm ci --omit=dev` installs', () => {
    const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean }>;
    };
    const required = new Set<string>();
    for (const file of javascriptFiles(path.join(image.appRoot, 'apps')).concat(
      javascriptFiles(path.join(image.appRoot, 'libs')),
    )) {
      for (const [, specifier] of readFileSync(file, 'utf8').matchAll(
        /require\("([^".][^"]*)"\)/g,
      )) {
        required.add(packageName(specifier));
      }
    }
    const external = [...required].filter((name) => !isBuiltin(name));

    expect(external.length).toBeGreaterThan(5);
    const missing = external.filter((name) => {
      const entry = lock.packages[`node_modules/${name}`];
      return !entry || entry.dev === true;
    });
    expect(missing).toEqual([]);
  });
});

describe('deploy/docker/entrypoint.sh', () => {
  let appRoot: string;
  let entrypoint: string;

  beforeAll(() => {
    appRoot = mkdtempSync(path.join(tmpdir(), 'tessera-entrypoint-'));
    entrypoint = path.join(appRoot, 'entrypoint.sh');
    writeFileSync(entrypoint, readFileSync(path.join(ROOT, 'deploy/docker/entrypoint.sh')), {
      mode: 0o755,
    });
    for (const service of ['alpha', 'beta-two']) {
      mkdirSync(path.join(appRoot, 'apps', service, 'src'), { recursive: true });
      writeFileSync(
        path.join(appRoot, 'apps', service, 'src/main.js'),
        `process.on('SIGTERM', () => { console.log('stopping on SIGTERM'); process.exit(0); });
         console.log(JSON.stringify({ service: ${JSON.stringify(service)}, pid: process.pid,
           args: process.argv.slice(2), sourceMaps: process.execArgv.includes('--enable-source-maps') }));
         if (process.argv.includes('--wait')) setInterval(() => undefined, 1000);`,
      );
    }
  });

  afterAll(() => rmSync(appRoot, { recursive: true, force: true }));

  function run(args: string[], service?: string) {
    return spawnSync(entrypoint, args, {
      env: { PATH: process.env.PATH, ...(service ? { TESSERA_SERVICE: service } : {}) },
      encoding: 'utf8',
    });
  }

  it('runs the service TESSERA_SERVICE names, with source maps', () => {
    const result = run([], 'alpha');

    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ service: 'alpha', sourceMaps: true });
  });

  it('runs the service named as its first argument over TESSERA_SERVICE and passes the rest on', () => {
    const result = run(['beta-two', '--flag', 'value'], 'alpha');

    expect(JSON.parse(result.stdout)).toMatchObject({
      service: 'beta-two',
      args: ['--flag', 'value'],
    });
  });

  it('refuses an unknown service with exit code 64 and lists those it has', () => {
    const result = run(['gamma']);

    expect(result.status).toBe(64);
    expect(result.stderr).toContain('no service "gamma"; the image runs one of: alpha beta-two');
  });

  it('refuses to start when no service is named', () => {
    const result = run([]);

    expect(result.status).toBe(64);
    expect(result.stderr).toContain('no service named');
  });

  it('refuses a service name that is a path', () => {
    expect(run(['../apps/alpha']).status).toBe(64);
    expect(run([], 'alpha/../beta-two').status).toBe(64);
  });

  it('replaces itself with node, so SIGTERM reaches the service as PID 1 would get it', async () => {
    const child = spawn(entrypoint, ['alpha', '--wait'], { env: { PATH: process.env.PATH } });
    const started = JSON.parse(await firstLine(child)) as { pid: number };

    expect(started.pid).toBe(child.pid);
    child.kill('SIGTERM');
    const [code, output] = await exited(child);
    expect(output).toContain('stopping on SIGTERM');
    expect(code).toBe(0);
  });
});

function firstLine(child: ChildProcessWithoutNullStreams): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString();
      const end = buffered.indexOf('\n');
      if (end === -1) return;
      child.stdout.off('data', onData);
      resolve(buffered.slice(0, end));
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited with ${code} before printing a line`)));
  });
}

function exited(child: ChildProcessWithoutNullStreams): Promise<[number | null, string]> {
  return new Promise((resolve) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => resolve([code, output]));
  });
}

function javascriptFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) return javascriptFiles(full);
    return entry.name.endsWith('.js') ? [full] : [];
  });
}

/** `@scope/name/sub` -> `@scope/name`, `name/sub` -> `name`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function isBuiltin(name: string): boolean {
  return name.startsWith('node:') || builtinModules.includes(name);
}
