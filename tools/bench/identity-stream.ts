import type { Event, JsonObject } from '@tessera/contracts';
import { randomUUID } from 'node:crypto';

interface Customer {
  user: string | null;
  anon: string;
  email: string | null;
  device: string | null;
}

/**
 * A realistic identity stream: 70 % of events come from customers seen before (returning
 * identifiers), 20 % from new customers, 10 % link two customers (a login on another customer's
 * device, an email shared). Reproducible from the seed.
 */
export function identityStream(seed: number, count: number, tag: string): Event[] {
  let state = seed;
  const next = (n: number) => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 1;
    return state % n;
  };
  const customers: Customer[] = [];
  const newCustomer = (): Customer => {
    const n = customers.length;
    const customer = {
      user: next(2) ? `user-${n}-${tag}` : null,
      anon: `anon-${n}-${tag}`,
      email: next(2) ? `customer.${n}.${tag}@example.org` : null,
      device: next(3) ? null : `device-${n}-${tag}`,
    };
    customers.push(customer);
    return customer;
  };
  const existing = () => customers[next(customers.length)];
  return Array.from({ length: count }, () => {
    const roll = customers.length < 10 ? 70 : next(100);
    const customer =
      roll >= 70 && roll < 90 ? newCustomer() : customers.length ? existing() : newCustomer();
    const other = roll >= 90 ? existing() : customer;
    const context: JsonObject = {
      ip: '203.0.113.9',
      library: { name: 'analytics.js', version: '4.1.0' },
    };
    if (customer.email && next(3) === 0) context.traits = { email: customer.email };
    if (other.device) context.device = { id: other.device, type: 'ios' };
    return {
      messageId: randomUUID(),
      type: 'track',
      userId: customer.user,
      anonymousId: other.anon,
      event: 'Product Viewed',
      name: null,
      groupId: null,
      previousId: null,
      properties: { product_id: `sku-${next(500)}`, price: 19.99, currency: 'EUR' },
      traits: null,
      context,
      integrations: null,
      timestamp: Date.now(),
      sentAt: null,
      receivedAt: Date.now(),
      originalTimestamp: null,
      sourceId: 'bench',
      violations: [],
    };
  });
}

/**
 * The Segment call an event of the stream came from: a track call, or an identify call carrying
 * the event's traits.
 */
export function segmentCall(event: Event, type: 'track' | 'identify' = 'track'): object {
  const common = {
    type,
    messageId: randomUUID(),
    userId: event.userId ?? undefined,
    anonymousId: event.anonymousId ?? undefined,
    context: event.context,
    timestamp: new Date().toISOString(),
  };
  if (type === 'identify') return { ...common, traits: event.traits ?? {} };
  return { ...common, event: event.event, properties: event.properties };
}
