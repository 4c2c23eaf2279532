import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { Event } from '@tessera/contracts';
import type { FieldProblem } from './field-problem';

export type PlanMode = 'allow' | 'flag' | 'block';

/** A source's tracking plan: JSON Schemas for the properties of each track event and for traits. */
export interface TrackingPlanDefinition {
  /** What happens to an event that breaks the plan: kept as is, kept with its violations, rejected. */
  mode: PlanMode;
  /** JSON Schema of `properties`, per track event name. */
  events?: Record<string, object>;
  /** JSON Schema of the user `traits` of identify calls. */
  traits?: object;
  /** JSON Schema of the account `traits` of group calls. */
  groupTraits?: object;
  /** Whether a track event not named in `events` breaks the plan. */
  allowUnplannedEvents?: boolean;
}

export interface PlanVerdict {
  /** `violations` empty: the event follows the plan. */
  violations: FieldProblem[];
  action: 'forward' | 'flag' | 'reject';
}

export class InvalidTrackingPlanError extends Error {
  constructor(readonly problems: FieldProblem[]) {
    super(`invalid tracking plan: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
    this.name = 'InvalidTrackingPlanError';
  }
}

/** A compiled tracking plan; compile once per plan version, evaluate per event. */
export class TrackingPlan {
  private readonly eventValidators = new Map<string, ValidateFunction>();
  private readonly traitsValidator: ValidateFunction | undefined;
  private readonly groupTraitsValidator: ValidateFunction | undefined;

  constructor(readonly definition: TrackingPlanDefinition) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    const problems: FieldProblem[] = [];
    if (!['allow', 'flag', 'block'].includes(definition.mode)) {
      problems.push({ path: 'mode', message: 'must be allow, flag or block' });
    }
    for (const [name, schema] of Object.entries(definition.events ?? {})) {
      const validator = compile(ajv, schema, `events.${name}`, problems);
      if (validator) this.eventValidators.set(name, validator);
    }
    this.traitsValidator = definition.traits
      ? compile(ajv, definition.traits, 'traits', problems)
      : undefined;
    this.groupTraitsValidator = definition.groupTraits
      ? compile(ajv, definition.groupTraits, 'groupTraits', problems)
      : undefined;
    if (problems.length > 0) throw new InvalidTrackingPlanError(problems);
  }

  evaluate(event: Event): PlanVerdict {
    const violations = this.violationsOf(event);
    if (violations.length === 0 || this.definition.mode === 'allow')
      return { violations, action: 'forward' };
    return { violations, action: this.definition.mode === 'flag' ? 'flag' : 'reject' };
  }

  private violationsOf(event: Event): FieldProblem[] {
    if (event.type === 'track' && event.event) {
      const validator = this.eventValidators.get(event.event);
      if (validator) return check(validator, event.properties ?? {}, 'properties');
      if (this.definition.allowUnplannedEvents === false) {
        return [{ path: 'event', message: `"${event.event}" is not in the tracking plan` }];
      }
      return [];
    }
    const traits =
      event.type === 'identify'
        ? this.traitsValidator
        : event.type === 'group'
          ? this.groupTraitsValidator
          : undefined;
    return traits ? check(traits, event.traits ?? {}, 'traits') : [];
  }
}

function compile(
  ajv: Ajv,
  schema: object,
  path: string,
  problems: FieldProblem[],
): ValidateFunction | undefined {
  try {
    return ajv.compile(schema);
  } catch (error) {
    problems.push({ path, message: `not a valid JSON Schema: ${(error as Error).message}` });
    return undefined;
  }
}

function check(validator: ValidateFunction, value: unknown, root: string): FieldProblem[] {
  if (validator(value)) return [];
  return (validator.errors ?? []).map((error: ErrorObject) => ({
    path: `${root}${pathOf(error.instancePath, value)}${namedProperty(error)}`,
    message: error.message ?? 'is invalid',
  }));
}

/** A JSON Pointer as Tessera writes paths elsewhere: `.name` for keys, `[i]` for array items. */
function pathOf(pointer: string, root: unknown): string {
  let path = '';
  let node: unknown = root;
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    path += Array.isArray(node) ? `[${segment}]` : `.${segment}`;
    node = (node as Record<string, unknown> | undefined)?.[segment];
  }
  return path;
}

/** The property a `required` or `additionalProperties` error is about. */
function namedProperty(error: ErrorObject): string {
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  const name = params.missingProperty ?? params.additionalProperty;
  return name ? `.${name}` : '';
}
