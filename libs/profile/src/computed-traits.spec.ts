import { computedTraits, countInWindow } from './computed-traits';
import { foldEvents, ORDER_COMPLETED } from './fold-profile';
import type { ProfileEvent } from './profile-event';
import { aProfileEvent, HOUR, options, T } from './profile-event.fixture';
import { DAY_MS, emptyProfile } from './profile-state';

const order = (revenue: number, at = T) =>
  aProfileEvent({ type: 'track', event: ORDER_COMPLETED, properties: { revenue }, at });

const viewed = (at: number) => aProfileEvent({ type: 'track', event: 'Product Viewed', at });

const fold = (events: ProfileEvent[]) => foldEvents(emptyProfile(), events, options);

describe('computedTraits', () => {
  it('gives the total revenue in currency units', () => {
    const profile = fold([order(19.99), order(0.01), order(5.5)]);
    expect(computedTraits(profile, T).revenueTotal).toBe(25.5);
  });

  it('gives an exact revenue total for orders of 0.1 and 0.2', () => {
    const profile = fold([order(0.1), order(0.2)]);
    expect(computedTraits(profile, T).revenueTotal).toBe(0.3);
  });

  it('gives the revenue per order as the average order value', () => {
    const profile = fold([order(10), order(20), order(36)]);
    expect(computedTraits(profile, T).averageOrderValue).toBe(22);
  });

  it('has no average order value before any order', () => {
    const profile = fold([viewed(T)]);
    expect(computedTraits(profile, T)).toMatchObject({
      orderCount: 0,
      revenueTotal: 0,
      averageOrderValue: null,
    });
  });

  it('passes the activity counters through', () => {
    const profile = fold([
      viewed(T - HOUR),
      order(10, T),
      aProfileEvent({ type: 'page', event: null }),
    ]);
    expect(computedTraits(profile, T)).toMatchObject({
      eventCount: 3,
      firstSeen: T - HOUR,
      lastSeen: T,
      callCounts: { page: 1, track: 2 },
      eventCounts: { 'Product Viewed': 1, [ORDER_COMPLETED]: 1 },
      orderCount: 1,
      lastOrderAt: T,
    });
  });

  it('counts days since last seen in whole UTC days', () => {
    const profile = fold([viewed(T - 3 * DAY_MS)]);
    expect(computedTraits(profile, T).daysSinceLastSeen).toBe(3);
  });

  it('counts a UTC midnight between last seen and now as one day, however few hours passed', () => {
    const lastSeen = Date.UTC(2025, 5, 14, 23, 59);
    const now = Date.UTC(2025, 5, 15, 0, 1);
    expect(computedTraits(fold([viewed(lastSeen)]), now).daysSinceLastSeen).toBe(1);
  });

  it('counts zero days since last seen on the same UTC day, however many hours passed', () => {
    const lastSeen = Date.UTC(2025, 5, 15, 0, 1);
    const now = Date.UTC(2025, 5, 15, 23, 59);
    expect(computedTraits(fold([viewed(lastSeen)]), now).daysSinceLastSeen).toBe(0);
  });

  it('never gives a negative number of days since last seen', () => {
    const profile = fold([viewed(T + 2 * DAY_MS)]);
    expect(computedTraits(profile, T).daysSinceLastSeen).toBe(0);
  });

  it('has no days since last seen for a profile without events', () => {
    expect(computedTraits(emptyProfile(), T)).toMatchObject({
      eventCount: 0,
      firstSeen: null,
      lastSeen: null,
      daysSinceLastSeen: null,
    });
  });
});

describe('countInWindow', () => {
  it('counts the calls of today', () => {
    const profile = fold([viewed(T - HOUR), viewed(T)]);
    expect(countInWindow(profile, 'Product Viewed', 7, T)).toBe(2);
  });

  it('counts the calls on the oldest day inside the window', () => {
    const profile = fold([viewed(T - 6 * DAY_MS), viewed(T)]);
    expect(countInWindow(profile, 'Product Viewed', 7, T)).toBe(2);
  });

  it('leaves out days older than the window', () => {
    const profile = fold([viewed(T - 7 * DAY_MS), viewed(T - 30 * DAY_MS), viewed(T)]);
    expect(countInWindow(profile, 'Product Viewed', 7, T)).toBe(1);
  });

  it('leaves out days after today', () => {
    const profile = fold([viewed(T), viewed(T + DAY_MS)]);
    expect(countInWindow(profile, 'Product Viewed', 7, T)).toBe(1);
  });

  it('counts only the named event', () => {
    const profile = fold([viewed(T), order(10, T)]);
    expect(countInWindow(profile, ORDER_COMPLETED, 7, T)).toBe(1);
  });

  it('is zero for an event the profile never sent', () => {
    const profile = fold([viewed(T)]);
    expect(countInWindow(profile, 'Signed Up', 30, T)).toBe(0);
  });

  it('counts a one-day window as today only', () => {
    const profile = fold([viewed(T - DAY_MS), viewed(T)]);
    expect(countInWindow(profile, 'Product Viewed', 1, T)).toBe(1);
  });
});
