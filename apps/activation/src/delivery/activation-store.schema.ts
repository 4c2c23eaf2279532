import { Schema } from 'mongoose';
import type { MessageType, Subscription } from '../subscriptions/subscription';

export const SUBSCRIPTION_MODEL = 'Subscription';
export const MESSAGE_MODEL = 'Message';
export const LANE_MODEL = 'Lane';
export const ATTEMPT_MODEL = 'Attempt';
export const ERASURE_MODEL = 'Erasure';

/** A subscription as stored: the domain object with its id as `_id`. */
export type SubscriptionDocument = Omit<Subscription, 'id'> & { _id: string };

export type MessageStatus = 'pending' | 'delivered' | 'failed';

/**
 * One message for one webhook subscription. Its `_id` is the `webhook-id` of every attempt; the
 * body is fixed when it is made, so every attempt sends the same bytes. After the last attempt
 * (or a refusal) it is `failed`: the dead-letter store, listed and replayed through the API.
 */
export interface MessageDocument {
  _id: string;
  subscriptionId: string;
  profileId: string;
  type: MessageType;
  body: string;
  status: MessageStatus;
  attempts: number;
  createdAt: number;
  nextAttemptAt: number | null;
  lastStatusCode: number | null;
  lastError: string | null;
  /** When it was delivered or given up. */
  settledAt: number | null;
  /**
   * The W3C traceparent of the change it was made from: every attempt is a span of that trace,
   * and the receiver gets the header. Absent on messages stored before it was kept.
   */
  traceparent?: string | null;
}

/**
 * The queue of one profile's pending messages for one subscription: messages go out one after
 * the other, so a profile's order holds. It exists only while it holds messages. A replica holds
 * it under a lease while delivering; `nextAttemptAt` is when its head is due (null: the
 * subscription is paused or disabled, so nothing is due until it is active again).
 */
export interface LaneDocument {
  _id: string;
  subscriptionId: string;
  profileId: string;
  queue: string[];
  nextAttemptAt: number | null;
  leaseOwner: string | null;
  leaseUntil: number;
}

/** One delivery attempt: the delivery log of a subscription. */
export interface AttemptDocument {
  _id: string;
  subscriptionId: string;
  messageId: string;
  profileId: string;
  type: MessageType;
  attempt: number;
  at: number;
  latencyMs: number;
  statusCode: number | null;
  outcome: 'delivered' | 'retrying' | 'failed' | 'refused' | 'gone';
  error: string | null;
}

/**
 * A profile a privacy request deleted: its changes that carry profile data are no longer routed,
 * and what the outbox held of it was removed. The counts add up what every pass removed.
 */
export interface ErasureDocument {
  /** The profile id. */
  _id: string;
  /** The request that first deleted it, and when. */
  requestId: string;
  at: number;
  /** When to remove once more what an attempt or a routed batch in flight at the deletion left; null: done. */
  recheckAt: number | null;
  pendingMessages: number;
  failedMessages: number;
  deliveredMessages: number;
  logEntries: number;
}

// Reads are by `_id`; the list is small.
export const SubscriptionSchema = new Schema<SubscriptionDocument>(
  {
    _id: String,
    name: String,
    target: Object,
    filter: Object,
    consent: [String],
    format: String,
    status: String,
    statusReason: { type: String, default: null },
    concurrency: { type: Number, default: null },
    secrets: [Object],
    createdAt: Number,
    updatedAt: Number,
  },
  { collection: 'subscriptions', versionKey: false },
);

export const MessageSchema = new Schema<MessageDocument>(
  {
    _id: String,
    subscriptionId: String,
    profileId: String,
    type: String,
    body: String,
    status: String,
    attempts: Number,
    createdAt: Number,
    nextAttemptAt: { type: Number, default: null },
    lastStatusCode: { type: Number, default: null },
    lastError: { type: String, default: null },
    settledAt: { type: Number, default: null },
    traceparent: { type: String, default: null },
  },
  { collection: 'messages', versionKey: false },
);
// Serves the failed-deliveries page of a subscription (MongoDB; FerretDB v1 scans).
MessageSchema.index({ subscriptionId: 1, status: 1, _id: 1 });

export const LaneSchema = new Schema<LaneDocument>(
  {
    _id: String,
    subscriptionId: String,
    profileId: String,
    queue: [String],
    nextAttemptAt: { type: Number, default: null },
    leaseOwner: { type: String, default: null },
    leaseUntil: { type: Number, default: 0 },
  },
  { collection: 'lanes', versionKey: false },
);
// Serves the poll for due lanes and waking a subscription's lanes when it is resumed.
LaneSchema.index({ nextAttemptAt: 1 });
LaneSchema.index({ subscriptionId: 1 });

export const AttemptSchema = new Schema<AttemptDocument>(
  {
    _id: String,
    subscriptionId: String,
    messageId: String,
    profileId: String,
    type: String,
    attempt: Number,
    at: Number,
    latencyMs: Number,
    statusCode: { type: Number, default: null },
    outcome: String,
    error: { type: String, default: null },
  },
  { collection: 'attempts', versionKey: false },
);
// Serves the delivery log of a subscription, newest first (MongoDB; FerretDB v1 scans).
AttemptSchema.index({ subscriptionId: 1, at: -1 });

export const ErasureSchema = new Schema<ErasureDocument>(
  {
    _id: String,
    requestId: String,
    at: Number,
    recheckAt: { type: Number, default: null },
    pendingMessages: { type: Number, default: 0 },
    failedMessages: { type: Number, default: 0 },
    deliveredMessages: { type: Number, default: 0 },
    logEntries: { type: Number, default: 0 },
  },
  { collection: 'erasures', versionKey: false },
);
// Reads are by `_id` (the routing check) and, rarely, of those due for a recheck (a scan; few).
