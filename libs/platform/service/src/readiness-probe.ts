/** A dependency the service needs before it can take traffic. `check` throws when it is not there. */
export interface ReadinessProbe {
  readonly name: string;
  check(): Promise<void>;
}

export const READINESS_PROBES = Symbol('READINESS_PROBES');

const PROBE_TIMEOUT_MS = 3_000;

export interface ProbeResult {
  name: string;
  status: 'up' | 'down';
  error?: string;
}

/** Runs one probe; one that does not answer within 3 s is down. Never throws. */
export async function runProbe(probe: ReadinessProbe): Promise<ProbeResult> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe.check(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)),
          PROBE_TIMEOUT_MS,
        );
      }),
    ]);
    return { name: probe.name, status: 'up' };
  } catch (error) {
    return {
      name: probe.name,
      status: 'down',
      error: error instanceof Error ? error.message : String(error),
    };
  } finally {
    clearTimeout(timer);
  }
}
