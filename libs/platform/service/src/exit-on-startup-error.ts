import { ConfigError } from '@tessera/platform-config';

/** A service that cannot start says why on stderr and exits non-zero, so the orchestrator sees it. */
export function exitOnStartupError(service: string): (error: unknown) => never {
  return (error) => {
    const reason =
      error instanceof ConfigError ? error.message : ((error as Error)?.stack ?? String(error));
    process.stderr.write(`${service} failed to start: ${reason}\n`);
    process.exit(1);
  };
}
