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

  /** False when there is none with this id. */
  async replace(subscription: Subscription): Promise<boolean> {
    const { _id, ...fields } = documentOf(subscription);
    const result = await this.subscriptions.updateOne({ _id }, { $set: fields });
    return result.matchedCount === 1;
  }

  /** Disables a subscription, changing nothing else (a change made elsewhere meanwhile stays). */
  async disable(id: string, reason: string, now: number): Promise<void> {
    await this.subscriptions.updateOne(
      { _id: id },
      { $set: { status: 'disabled', statusReason: reason, updatedAt: now } },
    );
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
