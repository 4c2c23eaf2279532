import type { ResolvedEvent } from '@tessera/contracts';

let sequence = 0;

/**
 * A resolved `Order Completed` track call of one profile (user `user-<profileId>`) at `at`; the
 * fields given replace the defaults. Each call has its own messageId.
 */
export function aResolvedOrder(
  profileId: string,
  at: number,
  fields: Partial<ResolvedEvent> = {},
): { kind: 'event'; event: ResolvedEvent } {
  sequence += 1;
  return {
    kind: 'event',
    event: {
      messageId: `ev-${profileId}-${sequence}`,
      type: 'track',
      userId: `user-${profileId}`,
      anonymousId: null,
      event: 'Order Completed',
      name: null,
      groupId: null,
      previousId: null,
      properties: { revenue: 10 },
      traits: null,
      context: null,
      integrations: null,
      timestamp: at,
      sentAt: at,
      receivedAt: at,
      originalTimestamp: at,
      sourceId: 'web',
      violations: [],
      profileId,
      identifiers: [{ type: 'user_id', value: `user-${profileId}` }],
      unlinked: [],
      dropped: [],
      resolvedAt: at,
      ...fields,
    },
  };
}
