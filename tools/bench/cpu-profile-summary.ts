import { readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const ROOT = path.resolve(__dirname, '../..');
const SPECIAL = new Set(['(idle)', '(garbage collector)', '(program)', '(root)']);

/** A span of CLOCK_MONOTONIC in microseconds (`process.hrtime`), the clock V8 stamps samples with. */
export interface ProfileWindow {
  fromMicros: number;
  toMicros: number;
}

/**
 * Where a `node --cpu-prof` profile spent its time (within the window, when given): self and
 * inclusive time by package (or project), and the functions with the most self time. Run on its
 * own: `node -r @swc-node/register tools/bench/cpu-profile-summary.ts <file.cpuprofile>`.
 */
export function summarizeCpuProfile(file: string, window?: ProfileWindow): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);

  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const functions = new Map<string, number>();
  let total = 0;
  let clock = profile.startTime;
  profile.samples.forEach((id, index) => {
    clock += profile.timeDeltas[index] ?? 0;
    if (window && (clock < window.fromMicros || clock > window.toMicros)) return;
    const ms = (profile.timeDeltas[index] ?? 0) / 1000;
    total += ms;
    const node = byId.get(id);
    if (!node) return;
    add(self, categoryOf(node), ms);
    add(functions, functionOf(node), ms);
    const onStack = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at);
      if (frame) onStack.add(categoryOf(frame));
    }
    for (const category of onStack) add(inclusive, category, ms);
  });

  const busy = total - (self.get('(idle)') ?? 0);
  const lines = [
    `CPU profile ${path.relative(ROOT, file)}: ${seconds(total)} sampled, ${seconds(busy)} not idle`,
    '',
    'self time by package / project (share of non-idle time):',
    ...top(self, busy, 16, (key) => key !== '(idle)'),
    '',
    'inclusive time by package / project (share of non-idle time):',
    ...top(inclusive, busy, 16, (key) => !SPECIAL.has(key)),
    '',
    'functions with the most self time:',
    ...top(functions, busy, 25, (key) => !key.startsWith('(idle)')),
  ];
  return lines.join('\n');
}

function categoryOf(node: ProfileNode): string {
  const { functionName, url } = node.callFrame;
  if (SPECIAL.has(functionName)) return functionName;
  if (!url) return '(native: builtins, JSON, regexp)';
  if (url.startsWith('node:')) return 'node core';
  const file = url.replace(/^file:\/\//, '');
  const modules = file.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const [first, second] = file.slice(modules + '/node_modules/'.length).split('/');
    return first.startsWith('@') ? `${first}/${second}` : first;
  }
  const relative = path.relative(ROOT, file);
  const project = /^(apps|libs\/platform|libs|tools)\/([^/]+)/.exec(relative);
  return project ? project[0] : relative;
}

function functionOf(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName || '(anonymous)';
  if (!url) return name;
  const file = url.replace(/^file:\/\//, '');
  const modules = file.lastIndexOf('/node_modules/');
  const where =
    modules >= 0 ? file.slice(modules + '/node_modules/'.length) : path.relative(ROOT, file);
  return `${name} ${where}:${lineNumber + 1}`;
}

function add(map: Map<string, number>, key: string, ms: number): void {
  map.set(key, (map.get(key) ?? 0) + ms);
}

function top(map: Map<string, number>, of: number, count: number, keep: (key: string) => boolean) {
  return [...map.entries()]
    .filter(([key]) => keep(key))
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(
      ([key, ms]) =>
        `  ${((ms / of) * 100).toFixed(1).padStart(5)} %  ${seconds(ms).padStart(8)}  ${key}`,
    );
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: cpu-profile-summary.ts <file.cpuprofile>');
    process.exitCode = 2;
  } else {
    console.log(summarizeCpuProfile(path.resolve(file)));
  }
}
