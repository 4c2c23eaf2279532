// Shared fixtures of the profile specs. Test-only: not exported from index.ts.
import type { ProfileEvent } from './profile-event';
import type { FoldOptions } from './profile-state';

/** Fold options of the specs: default region DE, 90 days of daily counts. */
export const options: FoldOptions = { defaultRegion: 'DE', dailyRetentionDays: 90 };

/** 2025-06-15 12:00 UTC. */
export const T = Date.UTC(2025, 5, 15, 12);
export const HOUR = 3_600_000;

export const IPHONE_SAFARI =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
export const WINDOWS_CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

let eventCount = 0;

/**
 * An identify call of user u1 from source web at T, with nothing else on it. Each call gets a new
 * messageId (m0001, m0002, ...) unless `overrides` names one.
 */
export function aProfileEvent(overrides: Partial<ProfileEvent> = {}): ProfileEvent {
  eventCount += 1;
  return {
    messageId: `m${String(eventCount).padStart(4, '0')}`,
    type: 'identify',
    event: null,
    at: T,
    sourceId: 'web',
    identifiers: [{ type: 'user_id', value: 'u1' }],
    traits: {},
    properties: {},
    consent: null,
    userAgent: null,
    ...overrides,
  };
}
