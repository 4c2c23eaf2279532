import { Controller, Module } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { AvroCodec, TOPICS, type DeadLetter, type Event } from '@tessera/contracts';
import { EnvReader, readPlatformConfig } from '@tessera/platform-config';
import { KafkaBatchServer, KafkaPublisher, type ConsumedMessage } from '@tessera/platform-kafka';
import { anEvent, eventually, TestRun } from '@tessera/testing';
import { randomUUID } from 'node:crypto';
import { bootstrapService, PlatformModule, type RunningService } from '../src';

const received: string[] = [];
const POISON = `poison-${randomUUID()}`;

@Controller()
class RecordingConsumer {
  @EventPattern(TOPICS.acceptedEvents, { schema: 'Event' })
  handle(messages: ConsumedMessage<Event>[]): void {
    if (messages.some((m) => m.value.messageId === POISON)) throw new Error(`refusing ${POISON}`);
    received.push(...messages.map((m) => m.value.messageId));
  }
}

const event = (messageId: string): Event =>
  anEvent({ messageId, type: 'identify', event: null, traits: { email: 'a@example.com' } });

describe('a Nest service consuming through the Kafka batch transport', () => {
  const run = TestRun.create('transport');
  const codec = new AvroCodec();
  let service: RunningService;
  let publisher: KafkaPublisher;

  beforeAll(async () => {
    const reader = new EnvReader(run.serviceEnv('transport'));
    const config = reader.done(
      readPlatformConfig(reader, { service: 'transport', port: 0, database: 'x' }),
    );

    @Module({
      imports: [
        PlatformModule.forRoot({
          config,
          logger: run.logger,
          kafka: { consumerGroup: 'tessera-transport-test', consumes: [TOPICS.acceptedEvents] },
        }),
      ],
      controllers: [RecordingConsumer],
    })
    class TestAppModule {}

    service = await bootstrapService({
      module: TestAppModule,
      config,
      logger: run.logger,
      port: 0,
      transport: KafkaBatchServer,
    });
    publisher = new KafkaPublisher(run.kafka);
    await publisher.connect();
  }, 60_000);

  afterAll(async () => {
    await publisher?.disconnect();
    await service?.close();
    await run.cleanup();
  });

  it('reports ready once the consumer joined its group', async () => {
    const ready = await waitForReady(service.url);
    expect(ready).toEqual({ status: 'ready', checks: { kafka: 'up', mongo: 'up' } });
  });

  it('still answers HTTP errors the usual way with the Kafka error filter installed', async () => {
    const response = await fetch(`${service.url}/no-such-route`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ statusCode: 404 });
  });

  it('hands decoded events to the @EventPattern handler', async () => {
    const id = randomUUID();
    await publisher.publish({
      [run.topics.resolve(TOPICS.acceptedEvents)]: [
        { key: 'u-1', value: codec.encode('Event', event(id)) },
      ],
    });
    await eventually(() => (received.includes(id) ? true : undefined));
  });

  it('dead-letters a message its handler refuses, keeping the original error message', async () => {
    const deadLetters: DeadLetter[] = [];
    const reader = run.kafka.consumer({ groupId: `dlq-${randomUUID()}` });
    await reader.connect();
    await reader.subscribe({
      topic: run.topics.deadLetter(TOPICS.acceptedEvents),
      fromBeginning: true,
    });
    await reader.run({
      eachMessage: async ({ message }) => {
        deadLetters.push(codec.decodeAs('DeadLetter', message.value!));
      },
    });
    const after = randomUUID();
    await publisher.publish({
      [run.topics.resolve(TOPICS.acceptedEvents)]: [
        { key: 'u-1', value: codec.encode('Event', event(POISON)) },
        { key: 'u-1', value: codec.encode('Event', event(after)) },
      ],
    });
    const parked = await eventually(() => deadLetters[0]);
    await reader.disconnect();
    expect(parked.errorMessage).toBe(`refusing ${POISON}`);
    expect(parked.reason).toBe('handler-failed');
    await eventually(() => (received.includes(after) ? true : undefined));
  });
});

async function waitForReady(url: string): Promise<unknown> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const response = await fetch(`${url}/health/ready`);
    if (response.status === 200) return response.json();
    if (Date.now() > deadline) throw new Error(`not ready: ${await response.text()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
