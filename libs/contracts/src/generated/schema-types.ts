// Generated from libs/contracts/schemas/*.avsc; do not edit. Regenerate with
// node -r @swc-node/register libs/contracts/scripts/generate-types.ts
import type { JsonObject } from '../json-value';

/** A profile entered or left an audience. Keyed by ProfileKey, so one profile's changes stay in order. Delivered at least once: a reader keeps, per audience and profile, the change with the highest profileVersion. */
export interface AudienceMembership {
  /** The audience, as created through the enrichment admin API. */
  audienceId: string;
  /** The profile that entered or left. */
  profileId: string;
  /** Whether the profile now meets the audience's condition (entered) or no longer does (exited). */
  change: MembershipChange;
  /** condition (an event, or time passing, changed the answer), definition (an audience or computed trait was created, changed or deleted, and the profiles were evaluated again), merged (the profile was merged into another; the survivor is evaluated on its own), or deleted (a privacy request deleted the profile: it left every audience). */
  reason: string;
  /** The profile's version after the change (see ProfileSnapshot.version). */
  profileVersion: number;
  /** When enrichment stored the change. */
  at: number;
  /** The profile's consent at this change: the categoryPreferences of its latest event that carried context.consent (category -> granted); null when none did. A subscriber that requires consent judges the change by it. */
  consent: Record<string, boolean> | null;
}

/** Entered or exited. */
export type MembershipChange = 'entered' | 'exited';

/** A Kafka record a consumer gave up on after bounded retries, parked on the topic's dead-letter topic with enough context to replay it. */
export interface DeadLetter {
  /** The topic the record was consumed from. */
  originalTopic: string;
  /** The partition the record was consumed from. */
  partition: number;
  /** The record's offset, as a decimal string because Kafka offsets are int64. */
  offset: string;
  /** The record's key bytes, null when it had none. */
  key: Buffer | null;
  /** The record's value bytes, untouched. */
  value: Buffer;
  /** The record's headers in their original order. */
  headers: DeadLetterHeader[];
  /** Code of the failure: 'decode-error', 'handler-failed', 'rejected', ... */
  reason: string;
  /** Class name of the last error, e.g. 'CorruptRecordError'. */
  errorName: string;
  /** Message of the last error. */
  errorMessage: string;
  /** How many times the consumer tried the record. */
  attempts: number;
  /** The consumer group that gave up. */
  consumerGroup: string;
  /** When the consumer gave up (epoch milliseconds, UTC). */
  failedAt: number;
}

/** One Kafka record header; keys may repeat. */
export interface DeadLetterHeader {
  /** Header name. */
  key: string;
  /** Header value bytes, null when the header had none. */
  value: Buffer | null;
}

/** One customer event in the Segment Spec shape (track, identify, page, screen, group, alias) as accepted by ingestion, plus the Tessera fields added on the way in. */
export interface Event {
  /** Unique id of the message, set by the client library or by ingestion when the client sent none; consumers de-duplicate on it. */
  messageId: string;
  /** Which Segment Spec call this is; decides which of event, name, groupId and previousId are meaningful. */
  type: EventType;
  /** The customer's id in the source system, once known. */
  userId: string | null;
  /** Device or browser id used before the customer is known; at least one of userId and anonymousId is set. */
  anonymousId: string | null;
  /** Name of the action for track calls, e.g. 'Order Completed'. */
  event: string | null;
  /** Name of the page or screen for page and screen calls. */
  name: string | null;
  /** The account or organisation id for group calls. */
  groupId: string | null;
  /** The identifier being merged into userId for alias calls. */
  previousId: string | null;
  /** Free-form properties of a track, page or screen call, as JSON object text. */
  properties: JsonObject | null;
  /** Free-form traits of the user (identify) or group (group), as JSON object text. */
  traits: JsonObject | null;
  /** The Segment Spec context object (ip, userAgent, library, campaign, ...), as JSON object text. */
  context: JsonObject | null;
  /** Per-destination switches sent by the client, as JSON object text. */
  integrations: JsonObject | null;
  /** When the event happened, as given by the client (epoch milliseconds, UTC). */
  timestamp: number | null;
  /** When the client library sent the batch; with receivedAt it measures the client's clock skew. */
  sentAt: number | null;
  /** When ingestion received the event, by the server's clock (epoch milliseconds, UTC). */
  receivedAt: number;
  /** The client's timestamp before any clock-skew correction. */
  originalTimestamp: number | null;
  /** The Tessera source (write key owner) the event came in through. */
  sourceId: string;
  /** Codes of the tracking-plan rules the event broke but was still accepted with; empty when it is clean. */
  violations: string[];
}

/** The Segment Spec call that produced the event. */
export type EventType = 'track' | 'identify' | 'page' | 'screen' | 'group' | 'alias';

/** Kafka key of event topics, so all events of one visitor land on one partition in order. */
export interface EventKey {
  /** The event's userId, or its anonymousId when it has no userId. */
  key: string;
}

/** One profile merged into another by the identity service. Keyed by ProfileKey of the profile merged away (from). */
export interface IdentityMerge {
  /** The profile merged away; it no longer exists on its own. */
  from: string;
  /** The profile that holds it now (the smaller id of the two). */
  into: string;
  /** Why: which identifiers of the triggering event were found in both profiles. */
  reason: string;
  /** The messageId of the event that caused the merge. */
  messageId: string;
  /** The identifiers of the triggering event. */
  identifiers: Identifier[];
  /** When the merge was made (epoch milliseconds, UTC). */
  at: number;
}

/** One normalised identifier: a type (user_id, anonymous_id, email, phone, device_id, advertising_id, or an external id type such as crm_id) and its value. */
export interface Identifier {
  /** The identifier type, lower-case snake case. */
  type: string;
  /** The normalised value (email lower-cased, phone E.164). */
  value: string;
}

/** A privacy request accepted by the ingestion service (POST /v1/privacy/requests). Keyed by PrivacyRequestKey. The identity service turns its identifier into the whole profile and publishes a PrivacyResolution. It carries the identifier in clear: set this topic's retention to the deletion promise (docs/privacy.md). */
export interface PrivacyRequest {
  /** The request's id (prq_...). */
  requestId: string;
  /** What to do. */
  type: PrivacyRequestType;
  /** Any identifier of the person. */
  identifier: PrivacyIdentifier;
  /** When ingestion accepted the request (epoch milliseconds, UTC). */
  requestedAt: number;
}

/** delete: forget the profile (a later event starts a new one); suppress: keep the profile, drop every later event carrying any of its identifiers; suppress_with_delete: both; unsuppress: lift a suppression. */
export type PrivacyRequestType = 'delete' | 'suppress' | 'suppress_with_delete' | 'unsuppress';

/** The identifier the request names, normalised as the identity service normalises it. */
export interface PrivacyIdentifier {
  /** user_id, anonymous_id, email, phone, device_id, advertising_id or an external id type (crm_id). */
  type: string;
  /** The normalised value. */
  value: string;
}

/** Kafka key of the privacy request and status topics, so one request's records stay in order. */
export interface PrivacyRequestKey {
  /** The privacy request's id (prq_...). */
  requestId: string;
}

/** A privacy request as the identity service resolved it: the whole profile the identifier belongs to, with every identifier hashed. Ingestion, enrichment and activation act on it. Keyed by PrivacyRequestKey. */
export interface PrivacyResolution {
  /** The request's id (prq_...). */
  requestId: string;
  /** What to do (see PrivacyRequest.type). */
  type: PrivacyRequestType;
  /** The live profile the identifier belonged to; null when the identity graph did not know it (nothing found). */
  profileId: string | null;
  /** profileId and every profile merged into it: what enrichment and activation delete. Empty when nothing was found. */
  profileIds: string[];
  /** HMAC-SHA256 (hex, keyed by PRIVACY_HASH_KEY) of `<type>:<value>` of every identifier of the profile, or of the requested identifier alone when nothing was found: what ingestion adds to (or, for unsuppress, removes from) its suppression list. */
  identifierHashes: string[];
  /** When the identity service resolved (and, for deletions, deleted) it. */
  resolvedAt: number;
}

/** One service's outcome for a privacy request; ingestion gathers them into the request's status (GET /v1/privacy/requests/:id). Keyed by PrivacyRequestKey. */
export interface PrivacyStatus {
  /** The request's id (prq_...). */
  requestId: string;
  /** ingestion, identity, enrichment or activation. */
  service: string;
  /** The outcome. */
  status: PrivacyOutcome;
  /** What was done, in words and counts (`deleted 1 profile, 3 identifiers`, `nothing found`), or why it failed. Never an identifier. */
  detail: string;
  /** When the service finished its part. */
  at: number;
}

/** done: the service did its part (or had nothing to do); failed: it could not, and says why. */
export type PrivacyOutcome = 'done' | 'failed';

/** Kafka key of profile topics, so compaction keeps the latest snapshot of each profile. */
export interface ProfileKey {
  /** Tessera's id of the resolved profile. */
  profileId: string;
}

/** The whole current state of one unified profile, written by enrichment on every change. Keyed by ProfileKey on a compacted topic: the latest record of a key is the profile as it is now; a tombstone (null value) means the profile was merged into another. */
export interface ProfileSnapshot {
  /** Tessera's id of the profile (the identity graph's profile id). */
  profileId: string;
  /** Grows by one with every stored change of this profile; a reader keeps the highest it has seen. */
  version: number;
  /** Every identifier the profile's events carried that the identity graph linked to it, sorted by the text type:value. */
  identifiers: Identifier[];
  /** Trait name -> { value, at, source, messageId }: the value the latest event (by event time) said, with when, the source and the event that said it. Common traits are normalised (email, phone E.164, names trimmed, country ISO 3166-1 alpha-2). */
  traits: JsonObject;
  /** Counters and totals over every event of the profile. */
  computed: ComputedTraits;
  /** User-defined computed traits (created through the enrichment admin API): id -> value, as of updatedAt. A trait a profile is not backfilled with yet is absent. */
  customTraits: JsonObject;
  /** null until an event carries consent preferences. */
  consent: Consent | null;
  /** null until an event carries a user agent. */
  device: Device | null;
  /** The audiences the profile is a member of now, sorted. */
  audiences: string[];
  /** Profiles merged into this one (their records on this topic are tombstones). */
  mergedFrom: string[];
  /** What this change altered: identifiers, traits.<name>, consent, device, computed.<name>, customTraits.<id>, audiences, mergedFrom. */
  changed: string[];
  /** When enrichment stored this version. */
  updatedAt: number;
}

/** The built-in computed traits. */
export interface ComputedTraits {
  /** Every call folded into the profile. */
  eventCount: number;
  /** Event time of the earliest call. */
  firstSeen: number | null;
  /** Event time of the latest call; days since last seen is counted from it. */
  lastSeen: number | null;
  /** Calls by Segment type (track, identify, page, screen, group, alias). */
  callCounts: Record<string, number>;
  /** Track calls by event name. */
  eventCounts: Record<string, number>;
  /** Order Completed calls (Segment e-commerce spec). */
  orderCount: number;
  /** Sum of their revenue (properties.revenue, else total, else the products' price x quantity), summed exactly to 1/10000 of the unit. */
  revenueTotal: number;
  /** revenueTotal / orderCount; null before the first order. */
  averageOrderValue: number | null;
  /** Event time of the latest Order Completed. */
  lastOrderAt: number | null;
}

/** The consent the latest event carrying context.consent.categoryPreferences gave. */
export interface Consent {
  /** Category -> granted. */
  categoryPreferences: Record<string, boolean>;
  /** Event time of that event. */
  at: number;
  /** That event. */
  messageId: string;
}

/** Browser, OS and device read from the user agent of the latest event that carried one. */
export interface Device {
  /** context.userAgent as sent. */
  userAgent: string;
  /** Browser name, e.g. Mobile Safari. */
  browser: string | null;
  /** Browser version. */
  browserVersion: string | null;
  /** Operating system, e.g. iOS. */
  os: string | null;
  /** Operating system version. */
  osVersion: string | null;
  /** mobile, tablet, console, smarttv, wearable or embedded; null for a desktop browser. */
  deviceType: string | null;
  /** Device vendor, e.g. Apple. */
  deviceVendor: string | null;
  /** Device model, e.g. iPhone. */
  deviceModel: string | null;
  /** Event time of that event. */
  at: number;
}

/** A payload ingestion refused, kept with its original bytes so it can be inspected and replayed. */
export interface RejectedEvent {
  /** Machine-readable cause; readers that do not know a newer symbol see 'unknown'. */
  reason: RejectionReason;
  /** Human-readable explanation of the rejection. */
  detail: string;
  /** The Tessera source the payload came in through, when it could be identified. */
  sourceId: string | null;
  /** When ingestion received the payload (epoch milliseconds, UTC). */
  receivedAt: number;
  /** The payload exactly as received: the request body, the event's own JSON inside a batch, or the Kafka record value. */
  payload: Buffer;
  /** The Content-Type the client declared, if any. */
  contentType: string | null;
  /** Every problem found, so a client can fix them all at once. */
  errors: FieldError[];
  /** How the payload arrived: the HTTP collection API or the raw-events Kafka topic. */
  channel: IngestChannel | null;
  /** The event's messageId, when the payload was an event that had one. */
  messageId: string | null;
}

/** Why ingestion refused a payload. */
export type RejectionReason =
  | 'unknown'
  | 'invalid_json'
  | 'invalid_event'
  | 'payload_too_large'
  | 'unsupported_content_type'
  | 'unknown_source'
  | 'tracking_plan_violation'
  | 'source_disabled'
  | 'undecodable';

/** One problem found in the payload. */
export interface FieldError {
  /** Where in the payload the problem is, e.g. 'batch[2].userId'; empty for the payload as a whole. */
  path: string;
  /** What is wrong there. */
  message: string;
}

/** How a payload reached ingestion. */
export type IngestChannel = 'unknown' | 'http' | 'kafka';

/** An accepted event with the profile the identity service resolved it to: the event's own fields, then the resolution. Keyed by EventKey, as the accepted event was, so every copy of one event lands on one partition whatever profile each copy was resolved to. */
export interface ResolvedEvent {
  /** Unique id of the message, set by the client library or by ingestion when the client sent none; consumers de-duplicate on it. */
  messageId: string;
  /** Which Segment Spec call this is; decides which of event, name, groupId and previousId are meaningful. */
  type: EventType;
  /** The customer's id in the source system, once known. */
  userId: string | null;
  /** Device or browser id used before the customer is known; at least one of userId and anonymousId is set. */
  anonymousId: string | null;
  /** Name of the action for track calls, e.g. 'Order Completed'. */
  event: string | null;
  /** Name of the page or screen for page and screen calls. */
  name: string | null;
  /** The account or organisation id for group calls. */
  groupId: string | null;
  /** The identifier being merged into userId for alias calls. */
  previousId: string | null;
  /** Free-form properties of a track, page or screen call, as JSON object text. */
  properties: JsonObject | null;
  /** Free-form traits of the user (identify) or group (group), as JSON object text. */
  traits: JsonObject | null;
  /** The Segment Spec context object (ip, userAgent, library, campaign, ...), as JSON object text. */
  context: JsonObject | null;
  /** Per-destination switches sent by the client, as JSON object text. */
  integrations: JsonObject | null;
  /** When the event happened, as given by the client (epoch milliseconds, UTC). */
  timestamp: number | null;
  /** When the client library sent the batch; with receivedAt it measures the client's clock skew. */
  sentAt: number | null;
  /** When ingestion received the event, by the server's clock (epoch milliseconds, UTC). */
  receivedAt: number;
  /** The client's timestamp before any clock-skew correction. */
  originalTimestamp: number | null;
  /** The Tessera source (write key owner) the event came in through. */
  sourceId: string;
  /** Codes of the tracking-plan rules the event broke but was still accepted with; empty when it is clean. */
  violations: string[];
  /** The profile the event belongs to, as the identity graph stood when the event was resolved; a later merge may fold it into another (see tessera.identity.merged.v1). */
  profileId: string;
  /** The event's identifiers as matched, normalised. */
  identifiers: Identifier[];
  /** Identifiers left unlinked by a rule; empty when every identifier was linked. */
  unlinked: UnlinkedIdentifier[];
  /** Identifiers dropped before matching. */
  dropped: DroppedIdentifier[];
  /** When the identity service resolved the event (epoch milliseconds, UTC). */
  resolvedAt: number;
}

/** An identifier of the event that was not linked to the profile because a rule (a limit per type) forbade it. */
export interface UnlinkedIdentifier {
  /** The identifier type. */
  type: string;
  /** The normalised value. */
  value: string;
  /** The rule it would have broken. */
  reason: string;
}

/** An identifier the event carried that took no part in matching (blocked value, failed normalisation). Its value is not repeated. */
export interface DroppedIdentifier {
  /** The identifier type it was read as. */
  type: string;
  /** Where it was in the event, e.g. traits.email. */
  path: string;
  /** Why it was dropped. */
  reason: string;
}

/** The contract schemas by short name, one per .avsc file. */
export const SCHEMA_NAMES = [
  'AudienceMembership',
  'DeadLetter',
  'Event',
  'EventKey',
  'IdentityMerge',
  'PrivacyRequest',
  'PrivacyRequestKey',
  'PrivacyResolution',
  'PrivacyStatus',
  'ProfileKey',
  'ProfileSnapshot',
  'RejectedEvent',
  'ResolvedEvent',
] as const;

/** Short name of a top-level contract schema (the record name without the tessera.v1 namespace). */
export type SchemaName = (typeof SCHEMA_NAMES)[number];

/** The TypeScript type of each contract schema. */
export interface SchemaTypes {
  AudienceMembership: AudienceMembership;
  DeadLetter: DeadLetter;
  Event: Event;
  EventKey: EventKey;
  IdentityMerge: IdentityMerge;
  PrivacyRequest: PrivacyRequest;
  PrivacyRequestKey: PrivacyRequestKey;
  PrivacyResolution: PrivacyResolution;
  PrivacyStatus: PrivacyStatus;
  ProfileKey: ProfileKey;
  ProfileSnapshot: ProfileSnapshot;
  RejectedEvent: RejectedEvent;
  ResolvedEvent: ResolvedEvent;
}
