/** What a subscription receives; see docs/activation.md. */
export type MessageType =
  'profile.updated' | 'audience.entered' | 'audience.exited' | 'profile.merged' | 'profile.deleted';

export type SubscriptionStatus = 'active' | 'paused' | 'disabled';

export type SubscriptionTarget =
  { type: 'webhook'; url: string } | { type: 'kafka'; topic: string };

export interface SubscriptionFilter {
  /** Profile updates whose `changed` names one of these fields (or one under it); null: none. */
  profileUpdates: { fields: string[] } | null;
  /** Entered / exited changes of these audiences (null ids: every audience); null: none. */
  audiences: { ids: string[] | null; changes: ('entered' | 'exited')[] } | null;
  merges: boolean;
  deletions: boolean;
}

/** A webhook signing secret; an old one stays valid until `expiresAt` after a rotation. */
export interface SigningSecret {
  secret: string;
  createdAt: number;
  expiresAt: number | null;
}

export interface Subscription {
  id: string;
  name: string;
  target: SubscriptionTarget;
  filter: SubscriptionFilter;
  /** Consent categories the profile's latest consent must grant for profile data to be sent. */
  consent: string[];
  /** json for webhooks; json or avro (the contract records) for Kafka targets. */
  format: 'json' | 'avro';
  status: SubscriptionStatus;
  /** Why a subscription is disabled (the endpoint answered 410), or paused. */
  statusReason: string | null;
  /** Deliveries in flight at once per replica; null: WEBHOOK_CONCURRENCY. */
  concurrency: number | null;
  secrets: SigningSecret[];
  createdAt: number;
  updatedAt: number;
}

/** Secrets that sign a message at `now`: the newest first, expired ones left out. */
export function signingSecrets(subscription: Subscription, now: number): string[] {
  return subscription.secrets
    .filter((entry) => entry.expiresAt === null || entry.expiresAt > now)
    .sort((a, b) => b.createdAt - a.createdAt)
    .map((entry) => entry.secret);
}
