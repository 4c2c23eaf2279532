import { EXIT_CODES, runCli } from './cli/run-cli';

const interrupt = new AbortController();

// The first signal stops the import gracefully; a second one quits at once (the checkpoint on
// disk is at most a second old, and rows sent again are deduplicated).
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupt.signal.aborted) process.exit(EXIT_CODES.interrupted);
    interrupt.abort();
  });
}

runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  interrupt: interrupt.signal,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = EXIT_CODES.failed;
  },
);
