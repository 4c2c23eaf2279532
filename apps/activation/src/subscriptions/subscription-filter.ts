import type { ActivationMessage } from '../routing/profile-change';
import type { Subscription } from './subscription';

/** The categories the profile's latest consent grants; null before it gave any. */
export type GrantedConsent = readonly string[] | null;

/** Whether the subscription's filter selects the message (consent aside). */
export function selects(subscription: Subscription, message: ActivationMessage): boolean {
  const { filter } = subscription;
  switch (message.type) {
    case 'profile.updated':
      return (
        filter.profileUpdates !== null &&
        (filter.profileUpdates.fields.length === 0 ||
          message.changed.some((changed) =>
            filter.profileUpdates!.fields.some(
              (field) => changed === field || changed.startsWith(`${field}.`),
            ),
          ))
      );
    case 'audience.entered':
    case 'audience.exited':
      return (
        filter.audiences !== null &&
        (filter.audiences.ids === null ||
          filter.audiences.ids.includes(message.audienceId ?? '')) &&
        filter.audiences.changes.includes(
          message.type === 'audience.entered' ? 'entered' : 'exited',
        )
      );
    case 'profile.merged':
      return filter.merges;
    case 'profile.deleted':
      return filter.deletions;
  }
}

/**
 * The consent rule: a message with profile data goes to a subscription only when the profile's
 * latest consent grants every category the subscription requires (no consent yet grants none).
 * Merge and deletion notices carry no profile data and always go.
 */
export function consentAllows(
  subscription: Subscription,
  message: ActivationMessage,
  granted: GrantedConsent,
): boolean {
  if (!message.carriesProfileData || subscription.consent.length === 0) return true;
  return subscription.consent.every((category) => granted?.includes(category) === true);
}
