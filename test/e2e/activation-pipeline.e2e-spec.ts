import { Analytics } from '@segment/analytics-node';
import {
  eventually,
  freePort,
  startService,
  TestRun,
  waitForReady,
  WebhookReceiver,
  type StartedService,
} from '@tessera/testing';
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

jest.setTimeout(300_000);

const SERVICES = ['ingestion', 'identity', 'enrichment', 'activation'] as const;

interface KafkaMessageBody {
  type: string;
  data: { profileId: string; audienceId?: string; identifiers?: { type: string; value: string }[] };
}

describe('an event sent over HTTP reaches the subscribers of its profile', () => {
  const run = TestRun.create('activation-e2e');
  const services = new Map<string, StartedService>();
  const token = run.serviceEnv('activation').ADMIN_TOKEN;
  const user = `buyer-${run.id}`;
  const topic = `crm.profiles.${run.id}`;
  const onTopic: KafkaMessageBody[] = [];
  const reader = run.kafka.consumer({ groupId: `reader-${randomUUID()}` });
  let receiver: WebhookReceiver;
  let secret: string;

  const admin = async (service: string, path: string, body: unknown) => {
    const response = await fetch(`${services.get(service)!.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(201);
    return response.json() as Promise<Record<string, unknown>>;
  };

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    for (const name of SERVICES)
      services.set(
        name,
        startService(name, {
          ...run.serviceEnv(name),
          PORT: String(await freePort()),
          ...(name === 'activation' ? { WEBHOOK_ALLOWLIST: '127.0.0.1/32' } : {}),
        }),
      );
    for (const service of services.values()) await waitForReady(service);

    await admin('enrichment', '/v1/audiences', {
      id: 'buyers',
      name: 'Ordered in the last 30 days',
      condition: { event: 'Order Completed', withinDays: 30, op: 'gte', value: 1 },
    });
    const webhook = (await admin('activation', '/v1/subscriptions', {
      id: 'crm-webhook',
      target: { type: 'webhook', url: receiver.url },
      filter: { profileUpdates: true, audiences: { ids: ['buyers'] } },
    })) as { secrets: { secret: string }[] };
    secret = webhook.secrets[0].secret;
    await admin('activation', '/v1/subscriptions', {
      id: 'crm-topic',
      target: { type: 'kafka', topic },
      filter: { profileUpdates: true, audiences: { ids: ['buyers'] } },
    });
    await reader.connect();
    await reader.subscribe({ topic, fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        if (message.value) onTopic.push(JSON.parse(message.value.toString()) as KafkaMessageBody);
      },
    });
    // Every replica routes with the new subscriptions (SUBSCRIPTIONS_REFRESH_MS, 2 s by default).
    await new Promise((resolve) => setTimeout(resolve, 3_000));

    const created = await fetch(`${services.get('ingestion')!.url}/admin/sources`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'web' }),
    });
    const { writeKey } = (await created.json()) as { writeKey: string };
    const analytics = new Analytics({
      writeKey,
      host: services.get('ingestion')!.url,
      flushAt: 10,
      maxRetries: 3,
    });
    analytics.identify({ userId: user, traits: { email: 'ana@example.com' } });
    analytics.track({
      userId: user,
      event: 'Order Completed',
      properties: { revenue: 42, currency: 'EUR' },
    });
    await analytics.closeAndFlush({ timeout: 30_000 });
  });

  afterAll(async () => {
    await reader.disconnect();
    for (const service of services.values()) service.process.kill('SIGKILL');
    await receiver?.close();
    await run.cleanup();
  });

  const hasUser = (identifiers: { type: string; value: string }[] | undefined) =>
    identifiers?.some((identifier) => identifier.type === 'user_id' && identifier.value === user);

  it('delivers a signed profile update and an audience-entered message to the webhook', async () => {
    await eventually(
      () =>
        receiver.ofType('audience.entered').length > 0 &&
        receiver
          .ofType('profile.updated')
          .some((request) => hasUser(request.payload.data.identifiers)),
      180_000,
      'both messages at the webhook',
    );
    const update = receiver
      .ofType('profile.updated')
      .find((request) => hasUser(request.payload.data.identifiers))!;
    const entered = receiver.ofType('audience.entered')[0];
    expect(entered.payload.data).toMatchObject({
      audienceId: 'buyers',
      profileId: update.payload.data.profileId,
    });
    for (const request of [update, entered])
      expect(
        new Webhook(secret).verify(request.body, {
          'webhook-id': String(request.headers['webhook-id']),
          'webhook-timestamp': String(request.headers['webhook-timestamp']),
          'webhook-signature': String(request.headers['webhook-signature']),
        }),
      ).toEqual(request.payload);
  });

  it('writes the profile update and the audience-entered message to the Kafka topic', async () => {
    await eventually(
      () =>
        onTopic.some((message) => message.type === 'audience.entered') &&
        onTopic.some(
          (message) => message.type === 'profile.updated' && hasUser(message.data.identifiers),
        ),
      180_000,
      'both messages on the topic',
    );
    const entered = onTopic.find((message) => message.type === 'audience.entered')!;
    expect(entered.data.audienceId).toBe('buyers');
  });
});
