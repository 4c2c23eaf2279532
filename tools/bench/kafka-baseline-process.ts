import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { KafkaBaselineOptions, KafkaBaselineResult } from './kafka-baseline';

/**
 * Runs the Kafka baseline in a fresh Node process; `onMeasuring` is called when the measured part
 * starts (after encoding and warm-up), so the other processes' CPU can be metered over it.
 * Aborting the signal ends the process (SIGTERM).
 */
export function runKafkaBaselineProcess(
  root: string,
  options: KafkaBaselineOptions,
  onMeasuring: () => void,
  signal: AbortSignal,
): Promise<KafkaBaselineResult> {
  const child = spawn(
    process.execPath,
    [
      '-r',
      '@swc-node/register',
      path.join(__dirname, 'kafka-baseline.main.ts'),
      JSON.stringify(options),
    ],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, SWC_NODE_PROJECT: 'tsconfig.base.json' },
      signal,
    },
  );
  return new Promise((resolve, reject) => {
    let result: KafkaBaselineResult | undefined;
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      const message = JSON.parse(line) as { measuring?: true; result?: KafkaBaselineResult };
      if (message.measuring) onMeasuring();
      if (message.result) result = message.result;
    });
    child.once('error', reject);
    child.once('close', (code) =>
      result ? resolve(result) : reject(new Error(`the Kafka baseline exited with ${code}`)),
    );
  });
}
