/**
 * Compiles the services to JavaScript for the production image (deploy/docker/Dockerfile).
 *
 * Each app's `src/main.ts` and every module it reaches are transformed with `@swc-node/register`'s
 * own `compile` and `tsconfig.base.json`, so the image runs exactly the code `npm start` runs
 * (legacy decorators with metadata, path aliases rewritten to relative requires). The output
 * mirrors the source tree and carries the files the services read at run time beside it, so paths
 * resolved from `__dirname` hold alike:
 *
 *   <out>/apps/<service>/src/main.js   <out>/libs/**   <out>/docs/openapi.json
 *
 * Usage: SWC_NODE_PROJECT=tsconfig.base.json node -r @swc-node/register tools/build/build-services.ts [--out <dir>]
 * (default out: dist/services). Prints one line per service and the number of modules.
 */
import { compile } from '@swc-node/register/register';
import { readDefaultTsConfig } from '@swc-node/register/read-default-tsconfig';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '../..');

/** Read at run time from beside the code: the OpenAPI document (ingestion) and the Avro schemas (contracts). */
const RUNTIME_FILES = ['docs/openapi.json', 'libs/contracts/schemas', 'libs/contracts/released'];

const RELATIVE_REQUIRE = /require\("(\.{1,2}\/[^"]*)"\)/g;

export interface BuildResult {
  services: string[];
  modules: number;
}

export function buildServices(outDir: string): BuildResult {
  const options = compilerOptions();
  const services = readdirSync(path.join(ROOT, 'apps')).filter((app) =>
    existsSync(path.join(ROOT, 'apps', app, 'src/main.ts')),
  );
  if (services.length === 0) throw new Error(`no apps/*/src/main.ts under ${ROOT}`);
  if (!path.relative(outDir, ROOT).startsWith('..')) {
    throw new Error(`${outDir} holds the repository; the output folder is emptied first`);
  }
  rmSync(outDir, { recursive: true, force: true });

  const compiled = new Set<string>();
  const pending = services.map((service) => path.join(ROOT, 'apps', service, 'src/main.ts'));
  while (pending.length > 0) {
    const source = pending.pop()!;
    if (compiled.has(source)) continue;
    compiled.add(source);
    const code = compile(readFileSync(source, 'utf8'), source, options);
    const target = path.join(outDir, path.relative(ROOT, source)).replace(/\.ts$/, '.js');
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, code);
    for (const [, specifier] of code.matchAll(RELATIVE_REQUIRE)) {
      pending.push(resolveSource(path.dirname(source), specifier, source));
    }
  }

  for (const file of RUNTIME_FILES) {
    cpSync(path.join(ROOT, file), path.join(outDir, file), { recursive: true });
  }
  return { services, modules: compiled.size };
}

function compilerOptions(): ts.CompilerOptions {
  const options = readDefaultTsConfig(path.join(ROOT, 'tsconfig.base.json')) as ts.CompilerOptions;
  if (!options.paths) throw new Error('tsconfig.base.json was not read (no path aliases found)');
  // What @swc-node/register's own hook does: Node loads the output as CommonJS.
  return { ...options, module: ts.ModuleKind.CommonJS };
}

/** The TypeScript file a relative require names: `<p>.ts` or `<p>/index.ts`. */
function resolveSource(fromDir: string, specifier: string, importer: string): string {
  const base = path.resolve(fromDir, specifier);
  const candidate = [`${base}.ts`, path.join(base, 'index.ts')].find((file) => existsSync(file));
  if (!candidate) {
    throw new Error(
      `${path.relative(ROOT, importer)} requires "${specifier}", which is no .ts file`,
    );
  }
  return candidate;
}

function outDirFromArgs(args: string[]): string {
  const at = args.indexOf('--out');
  if (at === -1) return path.join(ROOT, 'dist/services');
  const value = args[at + 1];
  if (!value) throw new Error('--out needs a directory');
  return path.resolve(value);
}

if (require.main === module) {
  const outDir = outDirFromArgs(process.argv.slice(2));
  const started = Date.now();
  const result = buildServices(outDir);
  for (const service of result.services) {
    console.log(`built ${service}: ${path.join(outDir, 'apps', service, 'src/main.js')}`);
  }
  console.log(`${result.modules} modules compiled in ${Date.now() - started} ms into ${outDir}`);
}
