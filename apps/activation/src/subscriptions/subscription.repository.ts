import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Collection } from 'mongodb';
import type { Model } from 'mongoose';
import { SUBSCRIPTION_MODEL, type SubscriptionDocument } from '../delivery/activation-store.schema';
import type { Subscription } from './subscription';

/** Subscriptions, by id. */
@Injectable()
export class SubscriptionRepository {
  private readonly subscriptions: Collection<SubscriptionDocument>;

  constructor(@InjectModel(SUBSCRIPTION_MODEL) subscriptions: Model<SubscriptionDocument>) {
    this.subscriptions = subscriptions.collection as unknown as Collection<SubscriptionDocument>;
  }

  async list(): Promise<Subscription[]> {
    const docs = await this.subscriptions.find({}).sort({ _id: 1 }).toArray();
    return docs.map(subscriptionOf);
  }

  async find(id: string): Promise<Subscription | null> {
    const doc = await this.subscriptions.findOne({ _id: id });
    return doc && subscriptionOf(doc);
  }

  /** False when one with this id exists already. */
  async insert(subscription: Subscription): Promise<boolean> {
    try {
      await this.subscriptions.insertOne(documentOf(subscription));
      return true;
    } catch (error) {
      if ((error as { code?: number }).code === 11000) return false;
      throw error;
    }
  }

  /**
   * Writes a changed subscription over the version it was made from (`readAt`: that version's
   * `updatedAt`): `replaced`, `missing`, or `changed` when another write (a 410 disabling it, a
   * change through another replica) came in between.
   */
  async replace(
    subscription: Subscription,
    readAt: number,
  ): Promise<'replaced' | 'missing' | 'changed'> {
    const { _id, ...fields } = documentOf(subscription);
    const result = await this.subscriptions.updateOne({ _id, updatedAt: readAt }, { $set: fields });
    if (result.matchedCount === 1) return 'replaced';
    return (await this.subscriptions.findOne({ _id })) ? 'changed' : 'missing';
  }

  /**
   * Disables a subscription, changing nothing else: conditional on the version read, so a change
   * made elsewhere meanwhile stays, and its `updatedAt` moves on (a PATCH read before it then fails).
   */
  async disable(id: string, reason: string, now: number): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.subscriptions.findOne({ _id: id });
      if (!current) return;
      const result = await this.subscriptions.updateOne(
        { _id: id, updatedAt: current.updatedAt },
        {
          $set: {
            status: 'disabled',
            statusReason: reason,
            updatedAt: Math.max(now, current.updatedAt + 1),
          },
        },
      );
      if (result.matchedCount === 1) return;
    }
    throw new Error(`subscription ${id} kept changing; not disabled`);
  }

  async delete(id: string): Promise<boolean> {
    return (await this.subscriptions.deleteOne({ _id: id })).deletedCount === 1;
  }
}

function subscriptionOf({ _id, ...fields }: SubscriptionDocument): Subscription {
  return { id: _id, ...fields };
}

function documentOf({ id, ...fields }: Subscription): SubscriptionDocument {
  return { _id: id, ...fields };
}
