import { dayOf, MINOR_UNITS, type ProfileState } from './profile-state';

/** The built-in computed traits as they read at `now`. */
export interface ComputedTraits {
  eventCount: number;
  firstSeen: number | null;
  lastSeen: number | null;
  /** Whole days from the last event to `now`. */
  daysSinceLastSeen: number | null;
  callCounts: Record<string, number>;
  eventCounts: Record<string, number>;
  orderCount: number;
  revenueTotal: number;
  /** Revenue per order; null before the first order. */
  averageOrderValue: number | null;
  lastOrderAt: number | null;
}

export function computedTraits(profile: ProfileState, now: number): ComputedTraits {
  const { activity } = profile;
  return {
    eventCount: activity.eventCount,
    firstSeen: activity.firstSeen,
    lastSeen: activity.lastSeen,
    daysSinceLastSeen:
      activity.lastSeen === null ? null : Math.max(0, dayOf(now) - dayOf(activity.lastSeen)),
    callCounts: activity.callCounts,
    eventCounts: activity.eventCounts,
    orderCount: activity.orderCount,
    revenueTotal: activity.revenueMinor / MINOR_UNITS,
    averageOrderValue:
      activity.orderCount === 0 ? null : activity.revenueMinor / MINOR_UNITS / activity.orderCount,
    lastOrderAt: activity.lastOrderAt,
  };
}

/** Track calls named `event` on the UTC days of the last `days` days up to `now`, today included. */
export function countInWindow(
  profile: ProfileState,
  event: string,
  days: number,
  now: number,
): number {
  const today = dayOf(now);
  const byDay = profile.activity.daily[event] ?? {};
  return Object.entries(byDay)
    .filter(([day]) => Number(day) > today - days && Number(day) <= today)
    .reduce((total, [, count]) => total + count, 0);
}
