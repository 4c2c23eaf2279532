import type { Event } from '@tessera/contracts';
import { anEvent } from '@tessera/testing';
import { InvalidTrackingPlanError, TrackingPlan, type PlanMode } from './tracking-plan';

const MODES: PlanMode[] = ['allow', 'flag', 'block'];

/** Segment's Order Completed with a required numeric revenue. */
const ORDER_COMPLETED = {
  type: 'object',
  required: ['revenue'],
  properties: {
    revenue: { type: 'number' },
    currency: { type: 'string' },
  },
};

const USER_TRAITS = {
  type: 'object',
  required: ['email'],
  properties: { email: { type: 'string', format: 'email' } },
};

function planOf(mode: PlanMode, extra: Partial<TrackingPlan['definition']> = {}): TrackingPlan {
  return new TrackingPlan({ mode, events: { 'Order Completed': ORDER_COMPLETED }, ...extra });
}

function trackCall(event: string, properties: Event['properties']): Event {
  return anEvent({ type: 'track', event, properties });
}

function identifyCall(traits: Event['traits']): Event {
  return anEvent({ type: 'identify', event: null, properties: null, traits });
}

function groupCall(traits: Event['traits']): Event {
  return anEvent({ type: 'group', event: null, properties: null, groupId: 'acme', traits });
}

/** The problems a plan definition is refused with. */
function problemsOf(definition: TrackingPlan['definition']): InvalidTrackingPlanError['problems'] {
  try {
    new TrackingPlan(definition);
  } catch (error) {
    if (error instanceof InvalidTrackingPlanError) return error.problems;
    throw error;
  }
  throw new Error('the plan was accepted');
}

const violationsOf = (plan: TrackingPlan, event: Event) =>
  plan.evaluate(event).violations.map((violation) => violation.path);

describe('TrackingPlan', () => {
  describe('modes', () => {
    const missingRevenue = trackCall('Order Completed', { currency: 'EUR' });

    it.each(MODES)('forwards an event that follows the plan in %s mode', (mode) => {
      const verdict = planOf(mode).evaluate(trackCall('Order Completed', { revenue: 42.5 }));

      expect(verdict).toEqual({ violations: [], action: 'forward' });
    });

    it('forwards an event that breaks the plan in allow mode', () => {
      expect(planOf('allow').evaluate(missingRevenue).action).toBe('forward');
    });

    it('still reports the violations of a forwarded event in allow mode', () => {
      expect(violationsOf(planOf('allow'), missingRevenue)).toEqual(['properties.revenue']);
    });

    it('flags an event that breaks the plan in flag mode', () => {
      expect(planOf('flag').evaluate(missingRevenue).action).toBe('flag');
    });

    it('rejects an event that breaks the plan in block mode', () => {
      expect(planOf('block').evaluate(missingRevenue).action).toBe('reject');
    });
  });

  describe('track properties', () => {
    it('reports a missing required property at its path under properties', () => {
      const plan = planOf('flag');

      expect(violationsOf(plan, trackCall('Order Completed', { currency: 'EUR' }))).toEqual([
        'properties.revenue',
      ]);
    });

    it('names the missing property in the message', () => {
      const verdict = planOf('flag').evaluate(trackCall('Order Completed', {}));

      expect(verdict.violations[0]?.message).toContain('revenue');
    });

    it('reports a property of the wrong type at its path', () => {
      const plan = planOf('flag');

      expect(violationsOf(plan, trackCall('Order Completed', { revenue: '42.50' }))).toEqual([
        'properties.revenue',
      ]);
    });

    it('reports every violation of an event at once', () => {
      const plan = planOf('flag');
      const event = trackCall('Order Completed', { currency: 978 });

      expect(violationsOf(plan, event).sort()).toEqual([
        'properties.currency',
        'properties.revenue',
      ]);
    });

    it('checks a track call without properties as if it had none', () => {
      expect(violationsOf(planOf('flag'), trackCall('Order Completed', null))).toEqual([
        'properties.revenue',
      ]);
    });

    it('reports a nested property at its dotted path', () => {
      const plan = new TrackingPlan({
        mode: 'flag',
        events: {
          'Checkout Started': {
            type: 'object',
            properties: {
              shipping: { type: 'object', properties: { method: { type: 'string' } } },
            },
          },
        },
      });
      const event = trackCall('Checkout Started', { shipping: { method: 3 } });

      expect(violationsOf(plan, event)).toEqual(['properties.shipping.method']);
    });

    it('reports an array item at a bracketed index, as Tessera writes paths elsewhere', () => {
      // FieldError paths look like 'batch[2].userId' (libs/contracts), so an item is products[0].
      const plan = new TrackingPlan({
        mode: 'flag',
        events: {
          'Order Completed': {
            type: 'object',
            properties: {
              products: { type: 'array', items: { type: 'object', required: ['sku'] } },
            },
          },
        },
      });
      const event = trackCall('Order Completed', { products: [{ sku: 'A-1' }, { price: 3 }] });

      expect(violationsOf(plan, event)).toEqual(['properties.products[1].sku']);
    });

    it('reports a property whose name holds a slash under its own name', () => {
      // JSON Pointer escapes '/' as '~1'; the escape must not leak into the dotted path.
      const plan = new TrackingPlan({
        mode: 'flag',
        events: {
          'Page Shared': { type: 'object', properties: { 'share/target': { type: 'string' } } },
        },
      });
      const event = trackCall('Page Shared', { 'share/target': 7 });

      expect(violationsOf(plan, event)).toEqual(['properties.share/target']);
    });

    it('reports a property the plan does not allow at its own path', () => {
      const plan = new TrackingPlan({
        mode: 'flag',
        events: {
          'Order Completed': { ...ORDER_COMPLETED, additionalProperties: false },
        },
      });
      const event = trackCall('Order Completed', { revenue: 10, coupon: 'SPRING' });

      expect(violationsOf(plan, event)).toEqual(['properties.coupon']);
    });

    it('checks string formats such as email', () => {
      const plan = new TrackingPlan({
        mode: 'flag',
        events: {
          'Newsletter Subscribed': {
            type: 'object',
            properties: { email: { type: 'string', format: 'email' } },
          },
        },
      });
      const event = trackCall('Newsletter Subscribed', { email: 'not an address' });

      expect(violationsOf(plan, event)).toEqual(['properties.email']);
    });

    it('checks a track call against the schema of its own event name only', () => {
      const plan = new TrackingPlan({
        mode: 'flag',
        events: {
          'Order Completed': ORDER_COMPLETED,
          'Product Viewed': { type: 'object', required: ['sku'] },
        },
      });

      expect(violationsOf(plan, trackCall('Product Viewed', { sku: 'A-1' }))).toEqual([]);
    });
  });

  describe('unplanned events', () => {
    const unplanned = trackCall('Coupon Applied', { code: 'SPRING' });

    it('lets a track event the plan does not name through by default', () => {
      expect(planOf('block').evaluate(unplanned)).toEqual({ violations: [], action: 'forward' });
    });

    it('lets an unplanned track event through when the plan allows unplanned events', () => {
      const plan = planOf('block', { allowUnplannedEvents: true });

      expect(plan.evaluate(unplanned)).toEqual({ violations: [], action: 'forward' });
    });

    it('reports an unplanned track event at path event when the plan disallows them', () => {
      const plan = planOf('flag', { allowUnplannedEvents: false });

      expect(violationsOf(plan, unplanned)).toEqual(['event']);
    });

    it('names the unplanned event in the message', () => {
      const verdict = planOf('flag', { allowUnplannedEvents: false }).evaluate(unplanned);

      expect(verdict.violations[0]?.message).toContain('Coupon Applied');
    });

    it('rejects an unplanned track event in block mode when the plan disallows them', () => {
      const plan = planOf('block', { allowUnplannedEvents: false });

      expect(plan.evaluate(unplanned).action).toBe('reject');
    });

    it('still checks planned events when the plan disallows unplanned ones', () => {
      const plan = planOf('flag', { allowUnplannedEvents: false });

      expect(violationsOf(plan, trackCall('Order Completed', {}))).toEqual(['properties.revenue']);
    });

    it.each(['page', 'screen', 'alias'] as const)(
      'does not count %s calls as unplanned events',
      (type) => {
        const plan = planOf('block', { allowUnplannedEvents: false });
        const call = anEvent({ type, event: null, name: 'Home', previousId: 'anon-1' });

        expect(plan.evaluate(call)).toEqual({ violations: [], action: 'forward' });
      },
    );
  });

  describe('traits', () => {
    const plan = new TrackingPlan({ mode: 'block', traits: USER_TRAITS });

    it('forwards an identify call whose traits follow the plan', () => {
      const verdict = plan.evaluate(identifyCall({ email: 'ada@example.com' }));

      expect(verdict).toEqual({ violations: [], action: 'forward' });
    });

    it('reports a missing required trait at its path under traits', () => {
      expect(violationsOf(plan, identifyCall({ plan: 'pro' }))).toEqual(['traits.email']);
    });

    it('reports a trait of the wrong format at its path', () => {
      expect(violationsOf(plan, identifyCall({ email: 'ada at example' }))).toEqual([
        'traits.email',
      ]);
    });

    it('checks an identify call without traits as if it had none', () => {
      expect(violationsOf(plan, identifyCall(null))).toEqual(['traits.email']);
    });

    it('rejects an identify call that breaks the traits schema in block mode', () => {
      expect(plan.evaluate(identifyCall({})).action).toBe('reject');
    });

    it('leaves identify traits unchecked when the plan has no traits schema', () => {
      const eventsOnly = planOf('block', { allowUnplannedEvents: false });

      expect(eventsOnly.evaluate(identifyCall({ anything: true }))).toEqual({
        violations: [],
        action: 'forward',
      });
    });

    it("does not hold a track call's properties to the traits schema", () => {
      expect(violationsOf(plan, trackCall('Order Completed', { revenue: 1 }))).toEqual([]);
    });

    it("does not hold a group call's traits, which describe the account, to the user traits schema", () => {
      // Segment's spec gives group traits their own fields (name, industry, employees, plan),
      // so the identify schema's required email cannot apply to them.
      const call = groupCall({ name: 'Acme Inc', industry: 'Manufacturing', employees: 400 });

      expect(plan.evaluate(call)).toEqual({ violations: [], action: 'forward' });
    });
  });

  describe('an invalid plan', () => {
    it('is refused with an InvalidTrackingPlanError', () => {
      expect(() => new TrackingPlan({ mode: 'strict' as PlanMode })).toThrow(
        InvalidTrackingPlanError,
      );
    });

    it('reports an unknown mode at path mode', () => {
      expect(problemsOf({ mode: 'strict' as PlanMode }).map((p) => p.path)).toEqual(['mode']);
    });

    it('reports an event schema that is not a JSON Schema at the event it belongs to', () => {
      const problems = problemsOf({
        mode: 'flag',
        events: { 'Order Completed': { type: 'decimal' } },
      });

      expect(problems.map((p) => p.path)).toEqual(['events.Order Completed']);
    });

    it('reports a traits schema that is not a JSON Schema at path traits', () => {
      const problems = problemsOf({ mode: 'flag', traits: { required: 'email' } });

      expect(problems.map((p) => p.path)).toEqual(['traits']);
    });

    it('refuses a schema that refers to a definition it does not have', () => {
      const problems = problemsOf({
        mode: 'flag',
        events: { 'Order Completed': { $ref: '#/definitions/order' } },
      });

      expect(problems.map((p) => p.path)).toEqual(['events.Order Completed']);
    });

    it('reports every problem of the plan at once', () => {
      const problems = problemsOf({
        mode: 'strict' as PlanMode,
        events: { 'Order Completed': { type: 'decimal' }, 'Product Viewed': { required: 'sku' } },
        traits: { properties: 'email' },
      });

      expect(problems.map((p) => p.path).sort()).toEqual([
        'events.Order Completed',
        'events.Product Viewed',
        'mode',
        'traits',
      ]);
    });

    it('says in its message where the plan is wrong', () => {
      expect(() => new TrackingPlan({ mode: 'flag', traits: { type: 'decimal' } })).toThrow(
        /traits/,
      );
    });
  });
});
