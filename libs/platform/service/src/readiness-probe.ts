/** A dependency the service needs before it can take traffic. `check` throws when it is not there. */
export interface ReadinessProbe {
  readonly name: string;
  check(): Promise<void>;
}

export const READINESS_PROBES = Symbol('READINESS_PROBES');
