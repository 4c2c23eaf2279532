import { EnvReader } from '@tessera/platform-config';
import path from 'node:path';

/** How hard the fault suite pushes: `full` is `npm run test:faults`, `short` the CI version. */
export interface FaultsConfig {
  profile: 'full' | 'short';
  /** Scripted calls sent over HTTP (at least; a customer's script is never cut short). */
  events: number;
  /** Calls offered per second: the stream lasts `events / rate` seconds, faults all along it. */
  rate: number;
  /** A random replica is SIGKILLed this often while the stream runs. */
  killEveryMs: number;
  /** HTTP clients sending batches at once, and calls per batch. */
  clients: number;
  batch: number;
  /** The seed of the scripted stream, the kills and the webhook receiver's answers. */
  seed: number;
  /** How long the pipeline may take to settle after the stream before the suite fails. */
  settleTimeoutMs: number;
  /** Where the figures are written as JSON. */
  reportPath: string;
  /** Keep the run's topics and databases at the end, to look into a failure. */
  keep: boolean;
  /** The local infrastructure the suite restarts (tools/infra/infra.sh), as the run points at it. */
  infra: { kafkaPort: number; mongoPort: number };
}

const PROFILES = {
  full: { events: 20_000, killEveryMs: 5_000, settleTimeoutMs: 900_000 },
  short: { events: 2_500, killEveryMs: 4_000, settleTimeoutMs: 300_000 },
} as const;

/** The only place the fault suite reads its environment (TESSERA_FAULTS_*). */
export function loadFaultsConfig(env: NodeJS.ProcessEnv = process.env): Readonly<FaultsConfig> {
  const reader = new EnvReader(env);
  const profile = reader.oneOf('TESSERA_FAULTS_PROFILE', ['full', 'short'] as const, {
    default: 'full',
  });
  const defaults = PROFILES[profile];
  const events = reader.integer('TESSERA_FAULTS_EVENTS', {
    default: defaults.events,
    min: 500,
    max: 1_000_000,
  });
  if (profile === 'full' && events < 20_000)
    reader.problem(
      'TESSERA_FAULTS_EVENTS',
      `must be at least 20000 for the full suite, got ${events}`,
    );
  return reader.done({
    profile,
    events,
    rate: reader.integer('TESSERA_FAULTS_RATE', { default: 40, min: 1, max: 100_000 }),
    killEveryMs: reader.integer('TESSERA_FAULTS_KILL_EVERY_MS', {
      default: defaults.killEveryMs,
      min: 1_000,
      max: 60_000,
    }),
    clients: reader.integer('TESSERA_FAULTS_CLIENTS', { default: 4, min: 1, max: 64 }),
    batch: reader.integer('TESSERA_FAULTS_BATCH', { default: 50, min: 1, max: 500 }),
    seed: reader.integer('TESSERA_FAULTS_SEED', { default: 20_261_203, min: 0, max: 2 ** 31 }),
    settleTimeoutMs: reader.integer('TESSERA_FAULTS_SETTLE_TIMEOUT_MS', {
      default: defaults.settleTimeoutMs,
      min: 10_000,
      max: 3_600_000,
    }),
    reportPath: path.resolve(
      reader.string('TESSERA_FAULTS_REPORT', { default: `tmp/faults/report-${profile}.json` }),
    ),
    keep: reader.boolean('TESSERA_FAULTS_KEEP', { default: false }),
    infra: {
      kafkaPort: reader.port('KAFKA_PORT', { default: 9092 }),
      mongoPort: reader.port('MONGO_PORT', { default: 27017 }),
    },
  });
}

/** The environment for tools/infra/infra.sh: this one without the endpoints, so it runs its own. */
export function infraScriptEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const { KAFKA_BROKERS: _brokers, MONGODB_URI: _uri, ...rest } = env;
  return rest;
}
