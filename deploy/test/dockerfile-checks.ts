import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import path from 'node:path';
import {
  argDefault,
  DockerIgnore,
  parseDockerfile,
  substitute,
  type Dockerfile,
  type Instruction,
  type Stage,
} from './dockerfile-parser';

export const ROOT = path.resolve(__dirname, '../..');
export const DOCKERFILE = 'deploy/docker/Dockerfile';

export interface BuildContext {
  /** The context root (the repository). */
  root: string;
  ignore: DockerIgnore;
}

export function repositoryContext(root = ROOT): BuildContext {
  return { root, ignore: new DockerIgnore(readFileSync(path.join(root, '.dockerignore'), 'utf8')) };
}

export function readDockerfile(root = ROOT): Dockerfile {
  return parseDockerfile(readFileSync(path.join(root, DOCKERFILE), 'utf8'));
}

/** What the image must be, checked on the Dockerfile's text; each problem is one sentence. */
export function checkDockerfile(dockerfile: Dockerfile, context: BuildContext): string[] {
  const problems: string[] = [];
  const { stages } = dockerfile;
  if (stages.length < 2) problems.push('the Dockerfile is not multi-stage');
  const final = stages[stages.length - 1];
  if (!final) return ['the Dockerfile has no FROM'];

  const base = baseImage(dockerfile, final);
  if (!/^node:(22|24|26)[.\w-]*slim/.test(base)) {
    problems.push(`the final stage is based on ${base}, not a slim image of a Node LTS line`);
  }
  for (const stage of stages) {
    for (const instruction of stage.instructions) {
      if (instruction.keyword === 'HEALTHCHECK') {
        problems.push(`line ${instruction.line}: HEALTHCHECK (Kubernetes probes check health)`);
      }
      if (instruction.keyword === 'COPY' || instruction.keyword === 'ADD') {
        problems.push(...checkCopy(instruction, stages, stage, context));
      }
    }
  }
  problems.push(...checkDependencies(stages), ...checkFinalStage(final));
  return problems;
}

function checkFinalStage(final: Stage): string[] {
  const problems: string[] = [];
  const user = last(final, 'USER')?.args[0];
  if (!user) problems.push('the final stage sets no USER (it would run as root)');
  else if (!/^[1-9]\d*(:\d+)?$/.test(user)) {
    problems.push(`USER ${user} is root or not numeric (Kubernetes' runAsNonRoot needs a uid)`);
  }
  const env = stageEnv(final);
  if (env.NODE_ENV !== 'production')
    problems.push('the final stage does not set NODE_ENV=production');
  if (env.TESSERA_SERVICE !== '${SERVICE}') {
    problems.push('the final stage does not bake ARG SERVICE into ENV TESSERA_SERVICE');
  }
  if (!final.instructions.some((i) => i.keyword === 'ARG' && i.raw.startsWith('SERVICE'))) {
    problems.push('the final stage declares no ARG SERVICE');
  }
  const entrypoint = last(final, 'ENTRYPOINT');
  if (!entrypoint) problems.push('the final stage has no ENTRYPOINT');
  else if (!entrypoint.execForm) {
    problems.push('ENTRYPOINT is in shell form: /bin/sh would be PID 1 and swallow SIGTERM');
  }
  const exposed = final.instructions.filter((i) => i.keyword === 'EXPOSE').flatMap((i) => i.args);
  for (const port of ['8080', '8081', '8082', '8083']) {
    if (!exposed.includes(port)) problems.push(`the final stage does not EXPOSE ${port}`);
  }
  return problems;
}

/** The runtime image's node_modules must come from an install without dev dependencies. */
function checkDependencies(stages: Stage[]): string[] {
  const final = stages[stages.length - 1];
  const modules = final.instructions.find(
    (i) => i.keyword === 'COPY' && i.flags.from && i.args[0].endsWith('/node_modules'),
  );
  if (!modules) return ['the final stage copies no node_modules from a dependency stage'];
  const source = stages.find((stage) => stage.name === modules.flags.from);
  const install = source?.instructions.find((i) => i.keyword === 'RUN' && /\bnpm ci\b/.test(i.raw));
  if (!install || !/--omit=dev\b/.test(install.raw)) {
    return [
      `node_modules come from stage ${modules.flags.from}, which does not run npm ci --omit=dev`,
    ];
  }
  return [];
}

function checkCopy(
  instruction: Instruction,
  stages: Stage[],
  stage: Stage,
  context: BuildContext,
): string[] {
  const sources = instruction.args.slice(0, -1);
  const from = instruction.flags.from;
  if (from) {
    const earlier = stages.slice(0, stages.indexOf(stage)).map((s) => s.name);
    return earlier.includes(from)
      ? []
      : [`line ${instruction.line}: COPY --from=${from} names no earlier stage`];
  }
  const problems: string[] = [];
  for (const source of sources) {
    if (!existsSync(path.join(context.root, source))) {
      problems.push(`line ${instruction.line}: COPY source ${source} does not exist`);
    } else if (contextFiles(context, source).length === 0) {
      problems.push(`line ${instruction.line}: COPY source ${source} is left out by .dockerignore`);
    }
  }
  return problems;
}

/** The files under `source` (a file or a folder, relative to the context) that reach the build context. */
export function contextFiles(context: BuildContext, source: string): string[] {
  const absolute = path.join(context.root, source);
  if (!existsSync(absolute)) return [];
  if (!statSync(absolute).isDirectory()) return context.ignore.ignores(source) ? [] : [source];
  return readdirSync(absolute)
    .filter((entry) => entry !== 'node_modules' && entry !== '.git')
    .flatMap((entry) => contextFiles(context, path.posix.join(source, entry)));
}

function baseImage(dockerfile: Dockerfile, stage: Stage): string {
  const parent = dockerfile.stages.find((s) => s.name === stage.image);
  return parent ? baseImage(dockerfile, parent) : stage.image;
}

function last(stage: Stage, keyword: string): Instruction | undefined {
  return stage.instructions.filter((i) => i.keyword === keyword).at(-1);
}

/** ENV of a stage, unsubstituted (`NAME=value` pairs). */
function stageEnv(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const instruction of stage.instructions.filter((i) => i.keyword === 'ENV')) {
    for (const pair of instruction.args) Object.assign(env, argDefault(pair));
  }
  return env;
}

export interface ReplayedImage {
  /** The final stage's WORKDIR in the replayed file system. */
  appRoot: string;
  /** The ENTRYPOINT, its absolute paths mapped into the replayed file system. */
  entrypoint: string[];
  /** The final stage's ENV, with ARG SERVICE set to the service asked for. */
  env: Record<string, string>;
}

interface ReplayedStage {
  /** The stage's file system root, a folder under the replay's work folder. */
  root: string;
  workdir: string;
  env: Record<string, string>;
}

/**
 * Replays the Dockerfile without Docker: each stage's file system is a folder under `workDir`, COPY
 * takes files from the build context through .dockerignore, `npm ci` is stood in for by a link to
 * the repository's node_modules, and every other RUN runs in the stage's WORKDIR. What the image
 * would hold is then in the final stage's folder.
 */
export function replayImage(
  dockerfile: Dockerfile,
  context: BuildContext,
  workDir: string,
  service: string,
): ReplayedImage {
  const replayed = new Map<string, ReplayedStage>();
  for (const stage of dockerfile.stages) {
    const parent = replayed.get(stage.image);
    const current: ReplayedStage = {
      root: path.join(workDir, stage.name),
      workdir: parent?.workdir ?? '/',
      env: { ...parent?.env },
    };
    if (parent) cpSync(parent.root, current.root, { recursive: true, verbatimSymlinks: true });
    else mkdirSync(current.root, { recursive: true });
    replayed.set(stage.name, current);
    const args: Record<string, string> = { ...dockerfile.globalArgs };
    for (const instruction of stage.instructions) {
      switch (instruction.keyword) {
        case 'WORKDIR':
          current.workdir = path.posix.resolve(current.workdir, instruction.args[0]);
          mkdirSync(inStage(current, current.workdir), { recursive: true });
          break;
        case 'ARG':
          Object.assign(args, argDefault(instruction.raw));
          if (instruction.raw.startsWith('SERVICE')) args.SERVICE = service;
          break;
        case 'ENV':
          for (const pair of instruction.args) {
            const [name, value] = Object.entries(argDefault(pair))[0];
            current.env[name] = substitute(value, { ...args, ...current.env });
          }
          break;
        case 'COPY':
          replayCopy(instruction, current, replayed, context);
          break;
        case 'RUN':
          replayRun(instruction.raw, current);
          break;
      }
    }
  }
  const final = replayed.get(dockerfile.stages.at(-1)!.name)!;
  const entrypoint = last(dockerfile.stages.at(-1)!, 'ENTRYPOINT')?.args ?? [];
  return {
    appRoot: inStage(final, final.workdir),
    entrypoint: entrypoint.map((arg) => (arg.startsWith('/') ? inStage(final, arg) : arg)),
    env: final.env,
  };
}

/** Where an absolute path of a stage's file system is in the replay. */
function inStage(stage: ReplayedStage, imagePath: string): string {
  return path.join(stage.root, imagePath);
}

function replayCopy(
  instruction: Instruction,
  stage: ReplayedStage,
  replayed: Map<string, ReplayedStage>,
  context: BuildContext,
): void {
  const sources = instruction.args.slice(0, -1);
  const destination = instruction.args.at(-1)!;
  const target = inStage(stage, path.posix.resolve(stage.workdir, destination));
  const intoFolder = destination.endsWith('/') || sources.length > 1;
  const from = instruction.flags.from ? replayed.get(instruction.flags.from) : undefined;
  for (const source of sources) {
    mkdirSync(path.dirname(target), { recursive: true });
    if (from && source.endsWith('/node_modules')) {
      // The dependency stage's install, stood in for by the repository's node_modules.
      symlinkSync(path.join(context.root, 'node_modules'), target);
    } else if (from) {
      cpSync(inStage(from, path.posix.resolve(from.workdir, source)), target, {
        recursive: true,
        verbatimSymlinks: true,
      });
    } else {
      copyFromContext(instruction, source, target, intoFolder, context);
    }
  }
}

function copyFromContext(
  instruction: Instruction,
  source: string,
  target: string,
  intoFolder: boolean,
  context: BuildContext,
): void {
  const sourceIsFolder = statSync(path.join(context.root, source)).isDirectory();
  for (const file of contextFiles(context, source)) {
    const inside = sourceIsFolder ? path.relative(source, file) : path.basename(file);
    const to = sourceIsFolder || intoFolder ? path.join(target, inside) : target;
    mkdirSync(path.dirname(to), { recursive: true });
    cpSync(path.join(context.root, file), to);
    if (instruction.flags.chmod) chmodSync(to, parseInt(instruction.flags.chmod, 8));
  }
}

function replayRun(command: string, stage: ReplayedStage): void {
  const cwd = inStage(stage, stage.workdir);
  if (/^npm ci\b/.test(command)) {
    if (!existsSync(path.join(cwd, 'node_modules'))) {
      symlinkSync(path.join(ROOT, 'node_modules'), path.join(cwd, 'node_modules'));
    }
    return;
  }
  execFileSync('sh', ['-c', command], {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...stage.env },
    stdio: 'pipe',
  });
}
