import { CustomTransportStrategy, Server } from '@nestjs/microservices';
import type { AvroCodec, SchemaName } from '@tessera/contracts';
import { isObservable, lastValueFrom } from 'rxjs';
import type { ConsumedMessage, HandlerOutcome, InboundMessage } from './consumed-message';
import {
  KafkaBatchConsumer,
  type KafkaBatchConsumerOptions,
  type TopicSubscription,
} from './kafka-batch-consumer';

/** Extras of `@EventPattern(topic, extras)`: which contract schema the topic's values follow. */
export interface KafkaPatternExtras {
  /** Values are decoded and checked against this schema; undecodable ones are dead-lettered. */
  schema?: SchemaName;
}

export type KafkaBatchServerOptions = Omit<KafkaBatchConsumerOptions, 'subscriptions'> & {
  codec: AvroCodec;
};

/**
 * NestJS transport strategy over KafkaBatchConsumer. Each `@EventPattern(topic)` handler receives
 * a batch (`ConsumedMessage[]`) and may return `{ rejected }` for messages it refuses.
 */
export class KafkaBatchServer extends Server implements CustomTransportStrategy {
  private consumer: KafkaBatchConsumer | undefined;

  constructor(private readonly options: KafkaBatchServerOptions) {
    super();
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      this.consumer = new KafkaBatchConsumer({
        ...this.options,
        subscriptions: this.subscriptions(),
      });
      await this.consumer.start();
      callback();
    } catch (error) {
      callback(error);
    }
  }

  isReady(): boolean {
    return this.consumer?.isReady() ?? false;
  }

  async close(): Promise<void> {
    await this.consumer?.stop();
    this.consumer = undefined;
  }

  on(): never {
    throw new Error('KafkaBatchServer does not emit transport events');
  }

  unwrap<T>(): T {
    return this.consumer as T;
  }

  private subscriptions(): TopicSubscription[] {
    return [...this.getHandlers()].map(([topic, handler]) => {
      const extras = (handler.extras ?? {}) as KafkaPatternExtras;
      return {
        topic,
        decode: this.decoderFor(extras.schema),
        handler: async (messages: ConsumedMessage[]) => {
          const result: unknown = await handler(messages);
          return (
            isObservable(result) ? await lastValueFrom(result, { defaultValue: undefined }) : result
          ) as HandlerOutcome | undefined;
        },
      };
    });
  }

  private decoderFor(schema: SchemaName | undefined): (message: InboundMessage) => unknown {
    const codec = this.options.codec;
    if (!schema) return (message) => message.value;
    return (message) => {
      if (!message.value) throw new Error('record has no value');
      return codec.decodeAs(schema, message.value);
    };
  }
}
