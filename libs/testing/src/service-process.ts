import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
export interface StartedService {
  name: string;
  process: ChildProcess;
  url: string;
  output: () => string;
}

/** Starts a service as `npm start` does (its own Node process, TypeScript through swc). */
export function startService(name: string, env: Record<string, string>): StartedService {
  let output = '';
  const child = spawn(process.execPath, ['-r', '@swc-node/register', `apps/${name}/src/main.ts`], {
    cwd: ROOT,
    env: { ...process.env, SWC_NODE_PROJECT: 'tsconfig.base.json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { name, process: child, url: `http://127.0.0.1:${env.PORT}`, output: () => output };
}

/** Resolves with the readiness answer once it is 200; fails with the service's output otherwise. */
export async function waitForReady(service: StartedService, timeoutMs = 90_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (service.process.exitCode !== null)
      throw new Error(
        `${service.name} exited with ${service.process.exitCode}:\n${service.output()}`,
      );
    try {
      const response = await fetch(`${service.url}/health/ready`);
      if (response.status === 200) return response;
      last = `${response.status} ${await response.text()}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${service.name} not ready in ${timeoutMs} ms: ${last}\n${service.output()}`);
}

export function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}
