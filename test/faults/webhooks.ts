import { AvroCodec, TOMBSTONE_HEADERS, type ProfileSnapshot } from '@tessera/contracts';
import { SeededRandom } from '@tessera/faults';
import type { ReceivedRequest, WebhookPayload, WebhookReceiver } from '@tessera/testing';
import type { ReadRecord } from './topics';

export type Outcome = 'ok' | 'error' | 'timeout';

/**
 * A webhook endpoint that fails half of the requests: a 5xx for most failures, no answer at all
 * (the attempt times out) for `timeoutShare` of them; seeded, so a run can be repeated.
 */
export class FlakyEndpoint {
  readonly outcomes: Outcome[] = [];

  constructor(
    readonly receiver: WebhookReceiver,
    seed: number,
    failShare = 0.5,
    timeoutShare = 0.08,
  ) {
    const random = new SeededRandom(seed);
    receiver.answerWith(() => {
      const draw = random.next();
      if (draw < timeoutShare) return this.answered('timeout', { status: 200, hang: true });
      if (draw < failShare)
        return this.answered('error', { status: random.chance(0.5) ? 500 : 503 });
      return this.answered('ok', { status: 204 });
    });
  }

  /** Each change delivered (answered 2xx), with the `webhook-id`s it was delivered under. */
  delivered(): Map<string, Set<string>> {
    return this.byChange((_, n) => this.outcomes[n] === 'ok');
  }

  /** Each change with every `webhook-id` it was ever sent under, answered or not. */
  sent(): Map<string, Set<string>> {
    return this.byChange(() => true);
  }

  count(outcome: Outcome): number {
    return this.outcomes.filter((one) => one === outcome).length;
  }

  private answered<T>(outcome: Outcome, answer: T): T {
    this.outcomes.push(outcome);
    return answer;
  }

  private byChange(
    keep: (request: ReceivedRequest, n: number) => boolean,
  ): Map<string, Set<string>> {
    const changes = new Map<string, Set<string>>();
    this.receiver.requests.forEach((request, n) => {
      if (!keep(request, n)) return;
      const key = changeOf(request.payload);
      let ids = changes.get(key);
      if (!ids) changes.set(key, (ids = new Set()));
      ids.add(String(request.headers['webhook-id']));
    });
    return changes;
  }
}

/** A change as a webhook message names it: the same change, the same name, whoever sent it. */
function changeOf({ type, data }: WebhookPayload): string {
  if (type === 'profile.updated') return `${type} ${data.profileId} v${data.version}`;
  if (type === 'profile.merged') return `${type} ${data.profileId} into ${data.mergedInto}`;
  if (type.startsWith('audience.'))
    return `${type} ${data.audienceId} ${data.profileId} v${data.profileVersion}`;
  return `${type} ${data.profileId}`;
}

/**
 * The changes a subscription to profile updates of `fields`, every audience change and every merge
 * must deliver: one per such snapshot and per merge tombstone on the profiles topic, and one per
 * record on the audiences topic (records that do not decode are poison, parked by activation).
 */
export function expectedChanges(
  codec: AvroCodec,
  profiles: readonly ReadRecord[],
  audiences: readonly ReadRecord[],
  fields: readonly string[],
): Set<string> {
  // The subscription's field rule (docs/activation.md): a `changed` entry equal to a field or
  // starting with it and a dot.
  const watched = (changed: readonly string[]) =>
    changed.some((entry) =>
      fields.some((field) => entry === field || entry.startsWith(`${field}.`)),
    );
  const changes = new Set<string>();
  for (const record of profiles) {
    if (!record.key) continue;
    try {
      const { profileId } = codec.decodeAs('ProfileKey', record.key);
      if (record.value) {
        const snapshot: ProfileSnapshot = codec.decodeAs('ProfileSnapshot', record.value);
        if (snapshot.profileId === profileId && watched(snapshot.changed))
          changes.add(`profile.updated ${profileId} v${snapshot.version}`);
      } else if (record.headers[TOMBSTONE_HEADERS.reason] === 'merged') {
        changes.add(
          `profile.merged ${profileId} into ${record.headers[TOMBSTONE_HEADERS.mergedInto]}`,
        );
      }
    } catch {
      // Poison: checked in the dead-letter topic.
    }
  }
  for (const record of audiences) {
    if (!record.value) continue;
    try {
      const change = codec.decodeAs('AudienceMembership', record.value);
      changes.add(
        `audience.${change.change} ${change.audienceId} ${change.profileId} v${change.profileVersion}`,
      );
    } catch {
      // Poison, as above.
    }
  }
  return changes;
}
