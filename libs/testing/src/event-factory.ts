import { randomUUID } from 'node:crypto';
import type { Event } from '@tessera/contracts';

/** A valid accepted event (a `track` call by default); override what the test is about. */
export function anEvent(overrides: Partial<Event> = {}): Event {
  return {
    messageId: randomUUID(),
    type: 'track',
    userId: 'user-1',
    anonymousId: null,
    event: 'Order Completed',
    name: null,
    groupId: null,
    previousId: null,
    properties: { revenue: 42.5, items: [{ sku: 'A-1' }] },
    traits: null,
    context: { ip: '127.0.0.1' },
    integrations: null,
    timestamp: 1_700_000_000_000,
    sentAt: null,
    receivedAt: 1_700_000_000_100,
    originalTimestamp: null,
    sourceId: 'source-1',
    violations: [],
    ...overrides,
  };
}
