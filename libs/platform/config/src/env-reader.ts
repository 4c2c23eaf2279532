import { ConfigError } from './config-error';

type Env = Readonly<Record<string, string | undefined>>;

interface Options<T> {
  default?: T;
}

/**
 * Reads typed values out of an environment map and collects every problem, so a
 * misconfigured service reports all bad variables at once instead of one per restart.
 */
export class EnvReader {
  private readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  string(name: string, options: Options<string> = {}): string {
    const raw = this.raw(name);
    if (raw !== undefined) return raw;
    return this.fallback(name, options);
  }

  /** A required secret; its value never appears in an error message. */
  secret(name: string, options: { minLength: number }): string {
    const raw = this.raw(name);
    if (raw === undefined) return this.fallback(name, {});
    if (raw.length < options.minLength) {
      this.problems.push(`${name} must be at least ${options.minLength} characters long`);
    }
    return raw;
  }

  optionalString(name: string): string | undefined {
    return this.raw(name);
  }

  integer(name: string, options: Options<number> & { min?: number; max?: number } = {}): number {
    const raw = this.raw(name);
    if (raw === undefined) return this.fallback(name, options);
    if (!/^-?\d+$/.test(raw)) return this.invalid(name, raw, 'an integer', options.default ?? 0);
    const value = Number(raw);
    if (options.min !== undefined && value < options.min)
      return this.invalid(name, raw, `an integer >= ${options.min}`, options.default ?? 0);
    if (options.max !== undefined && value > options.max)
      return this.invalid(name, raw, `an integer <= ${options.max}`, options.default ?? 0);
    return value;
  }

  port(name: string, options: Options<number> = {}): number {
    return this.integer(name, { ...options, min: 1, max: 65535 });
  }

  boolean(name: string, options: Options<boolean> = {}): boolean {
    const raw = this.raw(name)?.toLowerCase();
    if (raw === undefined) return this.fallback(name, options);
    if (['true', '1', 'yes'].includes(raw)) return true;
    if (['false', '0', 'no'].includes(raw)) return false;
    return this.invalid(name, raw, 'true or false', options.default ?? false);
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], options: Options<T> = {}): T {
    const raw = this.raw(name);
    if (raw === undefined) return this.fallback(name, options);
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    return this.invalid(name, raw, `one of ${allowed.join(', ')}`, options.default ?? allowed[0]);
  }

  /** Comma-separated `host:port` list, e.g. KAFKA_BROKERS. */
  hostPorts(name: string, options: Options<string[]> = {}): string[] {
    const raw = this.raw(name);
    if (raw === undefined) return this.fallback(name, options);
    const entries = raw
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);
    const bad = entries.filter((entry) => !/^[^\s:]+:\d{1,5}$/.test(entry));
    if (entries.length === 0 || bad.length > 0)
      return this.invalid(name, raw, 'a comma-separated list of host:port', options.default ?? []);
    return entries;
  }

  mongoUri(name: string, options: Options<string> = {}): string {
    const raw = this.raw(name);
    if (raw === undefined) return this.fallback(name, options);
    if (!/^mongodb(\+srv)?:\/\/\S+$/.test(raw))
      return this.invalid(name, raw, 'a mongodb:// or mongodb+srv:// URI', options.default ?? '');
    return raw;
  }

  /** Comma-separated list of non-empty entries, e.g. `crm_id, zendesk_id`. */
  list(name: string, options: Options<string[]> = {}): string[] {
    const raw = this.raw(name);
    if (raw === undefined) return this.fallback(name, options);
    return raw
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);
  }

  /** Records a problem the caller found in a variable (a rule of its own refused the value). */
  problem(name: string, message: string): void {
    this.problems.push(`${name} ${message}`);
  }

  /** Throws a ConfigError naming every problem found so far; returns the frozen config otherwise. */
  done<T extends object>(config: T): Readonly<T> {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
    return deepFreeze(config);
  }

  private raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  private fallback<T>(name: string, options: Options<T>): T {
    if (options.default !== undefined) return options.default;
    this.problems.push(`${name} is required but not set`);
    return undefined as T;
  }

  private invalid<T>(name: string, raw: string, expected: string, placeholder: T): T {
    this.problems.push(`${name}=${JSON.stringify(redact(name, raw))} is not ${expected}`);
    return placeholder;
  }
}

const SECRET_NAME = /(PASSWORD|SECRET|TOKEN|PEPPER|URI)/;

function redact(name: string, raw: string): string {
  if (!SECRET_NAME.test(name)) return raw;
  return raw.replace(/\/\/[^@/]+@/, '//***@');
}

function deepFreeze<T extends object>(value: T): Readonly<T> {
  for (const child of Object.values(value)) {
    if (child && typeof child === 'object' && !Object.isFrozen(child)) deepFreeze(child);
  }
  return Object.freeze(value);
}
