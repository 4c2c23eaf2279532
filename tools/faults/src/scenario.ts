import { SeededRandom } from './seeded-random';

/** A Segment call as the scenario sends it (the JSON body of one item of `/v1/batch`). */
export interface ScriptedCall {
  type: 'identify' | 'track' | 'page';
  messageId: string;
  userId?: string;
  anonymousId?: string;
  event?: string;
  name?: string;
  properties?: Record<string, string | number>;
  traits?: Record<string, string>;
  timestamp: string;
}

export interface ScenarioOptions {
  seed: number;
  /** At least this many calls (a customer's script is never cut short). */
  events: number;
  /** Makes every identifier and message id unique to one run. */
  tag: string;
  /** Calls are stamped within the hour before this instant. */
  now: number;
}

/** The event name whose revenue the computed traits sum (libs/profile). */
export const ORDER_COMPLETED = 'Order Completed';

interface Customer {
  index: number;
  userId: string;
  email: string;
  anonymousIds: string[];
}

/**
 * A seeded stream of customers' calls, each customer's in the order a real visitor makes them:
 * anonymous page views on one or two devices, an identify that merges the first device into the
 * user (most customers), a sign-in on a second device (a second merge), an email-only identify
 * from a third device (a merge through the email), orders with known revenue, and product views.
 * Customers' scripts are interleaved at random. Reproducible: the same options, the same calls.
 */
export function scriptedStream(options: ScenarioOptions): ScriptedCall[] {
  const random = new SeededRandom(options.seed);
  const scripts: ScriptedCall[][] = [];
  let total = 0;
  let sequence = 0;
  const call = (fields: Omit<ScriptedCall, 'messageId' | 'timestamp'>): ScriptedCall => ({
    ...fields,
    messageId: `fault-${options.tag}-${sequence++}`,
    timestamp: new Date(options.now - 3_600_000 + random.int(3_600_000)).toISOString(),
  });
  while (total < options.events) {
    const script = customerScript(newCustomer(scripts.length, options.tag), random, call);
    scripts.push(script);
    total += script.length;
  }
  return interleave(scripts, random);
}

function newCustomer(index: number, tag: string): Customer {
  return {
    index,
    userId: `fault-user-${tag}-${index}`,
    email: `customer.${index}.${tag}@shop.example.org`,
    anonymousIds: [1, 2, 3].map((device) => `fault-anon-${tag}-${index}-${device}`),
  };
}

function customerScript(
  customer: Customer,
  random: SeededRandom,
  call: (fields: Omit<ScriptedCall, 'messageId' | 'timestamp'>) => ScriptedCall,
): ScriptedCall[] {
  const [first, second, third] = customer.anonymousIds;
  const script: ScriptedCall[] = [];
  const views = (anonymousId: string, count: number) => {
    for (let i = 0; i < count; i++)
      script.push(
        call({ type: 'page', anonymousId, name: random.pick(['Home', 'Pricing', 'Shop']) }),
      );
  };
  views(first, 1 + random.int(3));
  const identified = random.chance(0.8);
  if (identified)
    script.push(
      call({
        type: 'identify',
        userId: customer.userId,
        anonymousId: first,
        traits: { email: customer.email, plan: random.pick(['free', 'pro']) },
      }),
    );
  if (identified && random.chance(0.3)) {
    views(second, 1);
    script.push(
      call({ type: 'track', event: 'Signed In', userId: customer.userId, anonymousId: second }),
    );
  }
  if (identified && random.chance(0.2))
    script.push(call({ type: 'identify', anonymousId: third, traits: { email: customer.email } }));
  const buyer = identified ? { userId: customer.userId } : { anonymousId: first };
  const orders = random.int(5);
  for (let order = 0; order < orders; order++)
    script.push(
      call({
        type: 'track',
        event: ORDER_COMPLETED,
        ...buyer,
        // Whole cents: sums are exact in the reference and in the store.
        properties: {
          orderId: `order-${customer.index}-${order}`,
          revenue: (100 + random.int(20_000)) / 100,
          currency: 'USD',
        },
      }),
    );
  const browsing = random.int(4);
  for (let view = 0; view < browsing; view++)
    script.push(
      call({
        type: 'track',
        event: 'Product Viewed',
        ...buyer,
        properties: { sku: `sku-${random.int(500)}` },
      }),
    );
  return script;
}

/** Merges the scripts in a random order that keeps each script's own order. */
function interleave(scripts: ScriptedCall[][], random: SeededRandom): ScriptedCall[] {
  const cursors = scripts.map(() => 0);
  const open = scripts.map((_, index) => index);
  const merged: ScriptedCall[] = [];
  while (open.length > 0) {
    const slot = random.int(open.length);
    const index = open[slot];
    merged.push(scripts[index][cursors[index]++]);
    if (cursors[index] === scripts[index].length) open.splice(slot, 1);
  }
  return merged;
}
