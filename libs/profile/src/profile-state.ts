import type { JsonValue } from '@tessera/contracts';
import type { Identifier } from '@tessera/identity';
import type { ComputedTraitDefinition, CustomTraitState } from './custom-traits';
import type { TraitRules } from './normalise-traits';

/** When a value was said, and by which event: the order of "last write wins". */
export interface Stamp {
  /** Event time, epoch milliseconds. */
  at: number;
  messageId: string;
}

/** One trait's current value and where it came from. */
export interface TraitEntry extends Stamp {
  value: JsonValue;
  /** The Tessera source the event came in through. */
  source: string;
}

export interface Consent extends Stamp {
  /** Category -> granted, as the latest event carrying consent said. */
  categoryPreferences: Record<string, boolean>;
}

/** The device of the latest event that carried a user agent. */
export interface Device extends Stamp {
  userAgent: string;
  browser: string | null;
  browserVersion: string | null;
  os: string | null;
  osVersion: string | null;
  /** mobile, tablet, console, smarttv, wearable, embedded; null for a desktop browser. */
  deviceType: string | null;
  deviceVendor: string | null;
  deviceModel: string | null;
}

/** The built-in computed traits, kept exact so that folds in any order agree. */
export interface Activity {
  /** Every call the profile made. */
  eventCount: number;
  firstSeen: number | null;
  lastSeen: number | null;
  /** Calls by Segment type (track, identify, page, ...). */
  callCounts: Record<string, number>;
  /** Track calls by event name. */
  eventCounts: Record<string, number>;
  /** `Order Completed` calls (Segment e-commerce spec). */
  orderCount: number;
  /** Their revenue in ten-thousandths of the currency unit: integer sums are exact in any order. */
  revenueMinor: number;
  lastOrderAt: number | null;
  /**
   * Track calls by event name and UTC day number (days since 1970-01-01), for time-window
   * conditions; days older than the retention before the last-seen day are dropped.
   */
  daily: Record<string, Record<string, number>>;
}

/** A profile as the fold of its events: merging two profiles is folding both sets of events. */
export interface ProfileState {
  /** Sorted by `type:value`, no repeats. */
  identifiers: Identifier[];
  traits: Record<string, TraitEntry>;
  consent: Consent | null;
  device: Device | null;
  activity: Activity;
  /** Buckets of the user-defined computed traits (see custom-traits.ts). */
  custom: CustomTraitState;
}

export interface FoldOptions extends TraitRules {
  /** The user-defined computed traits events are folded into. */
  computedTraits?: readonly ComputedTraitDefinition[];
  /** How many days of per-day event counts a profile keeps. */
  dailyRetentionDays: number;
}

export const MINOR_UNITS = 10_000;
export const DAY_MS = 86_400_000;

export function emptyProfile(): ProfileState {
  return {
    identifiers: [],
    traits: {},
    consent: null,
    device: null,
    activity: {
      eventCount: 0,
      firstSeen: null,
      lastSeen: null,
      callCounts: {},
      eventCounts: {},
      orderCount: 0,
      revenueMinor: 0,
      lastOrderAt: null,
      daily: {},
    },
    custom: {},
  };
}

/** True when `a` was said after `b`; equal times are ordered by messageId, so every replica agrees. */
export function isLater(a: Stamp, b: Stamp): boolean {
  return a.at !== b.at ? a.at > b.at : a.messageId > b.messageId;
}

export function dayOf(at: number): number {
  return Math.floor(at / DAY_MS);
}
