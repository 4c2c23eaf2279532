import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { infraScriptEnv } from './faults-config';

const INFRA = path.resolve(__dirname, '../../tools/infra/infra.sh');
const run = promisify(execFile);

/**
 * Stops one component of the local infrastructure (tools/infra: Kafka or FerretDB) and starts it
 * again, as an operator's restart or a crashed pod would; resolves with how long it was away.
 * The script is told nothing of KAFKA_BROKERS / MONGODB_URI, so it manages its own processes.
 */
export async function restartInfra(component: 'kafka' | 'ferretdb'): Promise<{ downMs: number }> {
  const env = infraScriptEnv();
  const started = Date.now();
  await run('bash', [INFRA, 'down', component], { env });
  await run('bash', [INFRA, 'up', component], { env });
  return { downMs: Date.now() - started };
}
