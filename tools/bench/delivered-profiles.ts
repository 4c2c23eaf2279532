/** An activation message body (`{ type, timestamp, data }`), as webhooks and JSON Kafka targets get it. */
interface MessageBody {
  type: string;
  data: {
    profileId?: string;
    version?: number;
    identifiers?: { type: string; value: string }[];
    computed?: { eventCount?: number };
  };
}

/**
 * What a subscriber has received, folded: the events the latest delivered state of every profile
 * holds (`computed.eventCount`; a merged profile counts zero, its survivor holds its events), and
 * when each user or anonymous id first appeared in a `profile.updated` message.
 */
export class DeliveredProfiles {
  /** First arrival (performance.now()) of each user_id / anonymous_id value. */
  readonly firstSeen = new Map<string, number>();
  private readonly latest = new Map<string, { version: number; events: number }>();
  private readonly merged = new Set<string>();
  private folded = 0;
  private messages = 0;

  /** Events held by the latest delivered state of every profile. */
  get events(): number {
    return this.folded;
  }

  get received(): number {
    return this.messages;
  }

  take(body: string, at: number): void {
    const { type, data } = JSON.parse(body) as MessageBody;
    this.messages += 1;
    if (!data.profileId) return;
    if (type === 'profile.merged') return this.drop(data.profileId);
    if (type !== 'profile.updated' || this.merged.has(data.profileId)) return;
    for (const { type: kind, value } of data.identifiers ?? [])
      if ((kind === 'user_id' || kind === 'anonymous_id') && !this.firstSeen.has(value))
        this.firstSeen.set(value, at);
    const previous = this.latest.get(data.profileId);
    const version = data.version ?? 0;
    if (previous && previous.version >= version) return;
    const events = data.computed?.eventCount ?? 0;
    this.folded += events - (previous?.events ?? 0);
    this.latest.set(data.profileId, { version, events });
  }

  private drop(profileId: string): void {
    this.merged.add(profileId);
    this.folded -= this.latest.get(profileId)?.events ?? 0;
    this.latest.delete(profileId);
  }
}
