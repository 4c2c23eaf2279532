import type { PrivacyRequestType } from '@tessera/contracts';
import type { ErasedDeliveries } from '../delivery/delivery.repository';

/** Whether a request type deletes the profile (the others only suppress or lift a suppression). */
export function deletes(type: PrivacyRequestType): boolean {
  return type === 'delete' || type === 'suppress_with_delete';
}

/** The status detail of a request that deletes nothing here: in words, never an identifier. */
export function nothingToDeleteDetail(type: PrivacyRequestType): string {
  const article = /^[aeiou]/.test(type) ? 'an' : 'a';
  return `nothing to delete for ${article} ${type} request`;
}

/**
 * The status detail of a deletion: what was removed of the profiles, in counts
 * (`deleted 4 pending messages and 9 delivery log entries of 2 profiles`).
 */
export function erasureDetail(removed: ErasedDeliveries, profiles: number): string {
  const parts = [
    counted(removed.pendingMessages, 'pending message'),
    counted(removed.failedMessages, 'failed message'),
    counted(removed.deliveredMessages, 'delivered message'),
    counted(removed.logEntries, 'delivery log entry', 'delivery log entries'),
  ].filter((part): part is string => part !== null);
  const of = counted(profiles, 'profile') ?? '0 profiles';
  if (parts.length === 0) return `no messages or delivery log entries of ${of} to delete`;
  const listed =
    parts.length === 1
      ? parts[0]
      : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
  return `deleted ${listed} of ${of}`;
}

/** Adds up the counts of several passes or profiles. */
export function sumErased(counts: ErasedDeliveries[]): ErasedDeliveries {
  return counts.reduce(
    (sum, next) => ({
      pendingMessages: sum.pendingMessages + next.pendingMessages,
      failedMessages: sum.failedMessages + next.failedMessages,
      deliveredMessages: sum.deliveredMessages + next.deliveredMessages,
      logEntries: sum.logEntries + next.logEntries,
    }),
    { pendingMessages: 0, failedMessages: 0, deliveredMessages: 0, logEntries: 0 },
  );
}

function counted(n: number, one: string, many = `${one}s`): string | null {
  if (n === 0) return null;
  return `${n} ${n === 1 ? one : many}`;
}
