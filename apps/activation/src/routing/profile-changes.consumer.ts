import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { AvroCodec, TOMBSTONE_HEADERS, TOPICS, type AudienceMembership } from '@tessera/contracts';
import type { ConsumedMessage, HandlerOutcome, RejectedMessage } from '@tessera/platform-kafka';
import type { ProfileChange } from './profile-change';
import { RouteChangesUseCase } from './route-changes.use-case';

/**
 * Reads the profiles topic (snapshots and tombstones) and the audiences topic; the platform
 * commits a batch after its messages are in the outbox and its Kafka target records are written.
 */
@Controller()
export class ProfileChangesConsumer {
  constructor(
    private readonly routeChanges: RouteChangesUseCase,
    private readonly codec: AvroCodec,
  ) {}

  @EventPattern(TOPICS.profiles)
  async profiles(messages: ConsumedMessage<Buffer | null>[]): Promise<HandlerOutcome> {
    const changes: ProfileChange[] = [];
    const rejected: RejectedMessage[] = [];
    for (const message of messages) {
      try {
        changes.push({ ...this.profileChangeOf(message), traceContext: message.traceContext });
      } catch (error) {
        const reason =
          error instanceof TombstoneWithoutReasonError
            ? 'tombstone-without-reason'
            : 'decode-error';
        rejected.push({ message, reason, error: asError(error) });
      }
    }
    await this.routeChanges.route(changes);
    return { rejected };
  }

  @EventPattern(TOPICS.audiences, { schema: 'AudienceMembership' })
  async memberships(messages: ConsumedMessage<AudienceMembership>[]): Promise<void> {
    await this.routeChanges.route(
      messages.map((message) => ({
        kind: 'membership',
        membership: message.value,
        value: message.raw.value ?? Buffer.alloc(0),
        traceContext: message.traceContext,
      })),
    );
  }

  private profileChangeOf(message: ConsumedMessage<Buffer | null>): ProfileChange {
    const { key, value, headers, timestamp } = message.raw;
    if (!key) throw new Error('record has no key');
    const { profileId } = this.codec.decodeAs('ProfileKey', key);
    if (value) {
      const snapshot = this.codec.decodeAs('ProfileSnapshot', value);
      if (snapshot.profileId !== profileId)
        throw new Error(`key ${profileId} and snapshot ${snapshot.profileId} differ`);
      return { kind: 'snapshot', snapshot, value };
    }
    const at = Number(timestamp);
    const reason = headers[TOMBSTONE_HEADERS.reason]?.toString();
    const mergedInto = headers[TOMBSTONE_HEADERS.mergedInto]?.toString();
    if (reason === 'merged' && mergedInto) return { kind: 'merged', profileId, mergedInto, at };
    if (reason === 'deleted') return { kind: 'deleted', profileId, at };
    throw new TombstoneWithoutReasonError(profileId);
  }
}

/** A tombstone that does not say whether its profile was merged or deleted: it is parked, not guessed. */
class TombstoneWithoutReasonError extends Error {
  constructor(profileId: string) {
    super(
      `the tombstone of ${profileId} has no ${TOMBSTONE_HEADERS.reason} header (merged or deleted)`,
    );
    this.name = 'TombstoneWithoutReasonError';
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
