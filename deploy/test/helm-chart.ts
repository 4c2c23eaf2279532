import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from './code-facts';

export const CHART_DIR = join(REPO_ROOT, 'deploy/helm/tessera');
export const RELEASE = 'cdp';
/** The Kubernetes version of kubernetes-models 4.5's schemas, which the rendered objects are checked against. */
export const KUBE_VERSION = '1.27.1';

/** A rendered Kubernetes object; the fields the checks read are typed, the rest is open. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

export interface HelmResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Helm built from the Go module proxy by tools/infra/helm.sh (cached after the first build). */
export function locateHelm(): string {
  return execFileSync('bash', [join(REPO_ROOT, 'tools/infra/helm.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
}

export function runHelm(helm: string, args: string[]): HelmResult {
  const result = spawnSync(helm, args, { encoding: 'utf8', cwd: REPO_ROOT });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `-f ci/<name>` for each value file, then `--set` pairs. */
export function valueArgs(valueFiles: string[], set: string[] = []): string[] {
  return [
    '--kube-version',
    KUBE_VERSION,
    ...valueFiles.flatMap((file) => ['-f', join(CHART_DIR, 'ci', file)]),
    ...set.flatMap((pair) => ['--set', pair]),
  ];
}

/** Renders the chart and parses every document; a YAML error (e.g. a duplicate key) throws. */
export function renderChart(helm: string, args: string[]): K8sObject[] {
  const result = runHelm(helm, ['template', RELEASE, CHART_DIR, '--namespace', 'tessera', ...args]);
  if (result.status !== 0) throw new Error(`helm template failed:\n${result.stderr}`);
  return parseManifests(result.stdout);
}

export function parseManifests(text: string): K8sObject[] {
  const objects: K8sObject[] = [];
  for (const document of parseAllDocuments(text)) {
    if (document.errors.length > 0)
      throw new Error(`invalid YAML rendered: ${document.errors.map((e) => e.message).join('; ')}`);
    const value: unknown = document.toJS();
    if (value !== null && value !== undefined) objects.push(value as K8sObject);
  }
  return objects;
}
