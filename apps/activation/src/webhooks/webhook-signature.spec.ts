import { createHmac, randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import {
  assertWebhookSecret,
  generateWebhookSecret,
  InvalidWebhookSecretError,
  signWebhook,
  webhookHeaders,
} from './webhook-signature';

const secretOf = (bytes: number) => `whsec_${randomBytes(bytes).toString('base64')}`;
const nowSeconds = () => Math.floor(Date.now() / 1000);
const body = JSON.stringify({ type: 'profile.updated', data: { userId: 'u-1', plan: 'pro' } });

describe('generateWebhookSecret', () => {
  it('makes a whsec_ secret of 32 random bytes', () => {
    const secret = generateWebhookSecret();

    expect(secret).toMatch(/^whsec_/);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
  });

  it('makes a different secret each time', () => {
    expect(generateWebhookSecret()).not.toBe(generateWebhookSecret());
  });

  it('makes secrets that pass its own check', () => {
    expect(() => assertWebhookSecret(generateWebhookSecret())).not.toThrow();
  });
});

describe('assertWebhookSecret', () => {
  it.each([24, 64])('accepts a key of %i bytes', (bytes) => {
    expect(() => assertWebhookSecret(secretOf(bytes))).not.toThrow();
  });

  it('refuses a secret without the whsec_ prefix', () => {
    expect(() => assertWebhookSecret(randomBytes(32).toString('base64'))).toThrow(
      new InvalidWebhookSecretError('missing the whsec_ prefix'),
    );
  });

  it('refuses a secret whose key is not base64', () => {
    expect(() => assertWebhookSecret('whsec_not*base64!not*base64!not*base64!')).toThrow(
      /not base64/,
    );
  });

  it('refuses a key shorter than 24 bytes', () => {
    expect(() => assertWebhookSecret(secretOf(23))).toThrow(/23 bytes; it must be 24 to 64/);
  });

  it('refuses a key longer than 64 bytes', () => {
    expect(() => assertWebhookSecret(secretOf(65))).toThrow(/65 bytes; it must be 24 to 64/);
  });

  it('throws the typed error without repeating the secret', () => {
    const secret = 'whsec_c2hvcnQ=';

    expect(() => assertWebhookSecret(secret)).toThrow(InvalidWebhookSecretError);
    expect(() => assertWebhookSecret(secret)).not.toThrow(/c2hvcnQ/);
  });
});

describe('signWebhook', () => {
  it('produces the signature published in the Standard Webhooks specification', () => {
    const signature = signWebhook({
      id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      timestamp: 1614265330,
      body: '{"test": 2432232314}',
      secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
    });

    expect(signature).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('signs id.timestamp.body with HMAC-SHA256 under the decoded key', () => {
    const key = randomBytes(32);
    const expected = createHmac('sha256', key).update(`msg_1.1700000000.${body}`).digest('base64');

    const signature = signWebhook({
      id: 'msg_1',
      timestamp: 1700000000,
      body,
      secrets: [`whsec_${key.toString('base64')}`],
    });

    expect(signature).toBe(`v1,${expected}`);
  });

  it('lists one signature per secret in the given order, separated by a space', () => {
    const [first, second] = [secretOf(32), secretOf(32)];
    const input = { id: 'msg_1', timestamp: 1700000000, body };

    const signature = signWebhook({ ...input, secrets: [first, second] });

    expect(signature).toBe(
      `${signWebhook({ ...input, secrets: [first] })} ${signWebhook({ ...input, secrets: [second] })}`,
    );
  });

  it('refuses to sign without a secret', () => {
    expect(() => signWebhook({ id: 'msg_1', timestamp: 1700000000, body, secrets: [] })).toThrow(
      InvalidWebhookSecretError,
    );
  });

  it('refuses to sign with an invalid secret', () => {
    const secrets = [secretOf(32), 'not-a-secret'];

    expect(() => signWebhook({ id: 'msg_1', timestamp: 1700000000, body, secrets })).toThrow(
      /missing the whsec_ prefix/,
    );
  });

  it('refuses a timestamp that is not whole seconds', () => {
    const secrets = [secretOf(32)];

    expect(() => signWebhook({ id: 'msg_1', timestamp: 1700000000.5, body, secrets })).toThrow(
      RangeError,
    );
  });
});

describe('webhookHeaders', () => {
  it('carries the id, the timestamp in seconds and the signature', () => {
    const secrets = [secretOf(32)];
    const input = { id: 'msg_1', timestamp: 1700000000, body, secrets };

    expect(webhookHeaders(input)).toEqual({
      'webhook-id': 'msg_1',
      'webhook-timestamp': '1700000000',
      'webhook-signature': signWebhook(input),
    });
  });

  it('is verified by the standardwebhooks library', () => {
    const secret = generateWebhookSecret();
    const headers = webhookHeaders({
      id: 'msg_1',
      timestamp: nowSeconds(),
      body,
      secrets: [secret],
    });

    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it.each([
    ['old', 0],
    ['new', 1],
  ])(
    'is verified with the %s secret when both secrets of a rotation are in the header',
    (_name, index) => {
      const secrets = [generateWebhookSecret(), generateWebhookSecret()];
      const headers = webhookHeaders({ id: 'msg_1', timestamp: nowSeconds(), body, secrets });

      expect(new Webhook(secrets[index]).verify(body, headers)).toEqual(JSON.parse(body));
    },
  );

  it('fails verification when the body was tampered with', () => {
    const secret = generateWebhookSecret();
    const headers = webhookHeaders({
      id: 'msg_1',
      timestamp: nowSeconds(),
      body,
      secrets: [secret],
    });

    expect(() => new Webhook(secret).verify(body.replace('pro', 'free'), headers)).toThrow(
      'No matching signature found',
    );
  });

  it('fails verification with a secret that is not in the header', () => {
    const secrets = [generateWebhookSecret(), generateWebhookSecret()];
    const headers = webhookHeaders({ id: 'msg_1', timestamp: nowSeconds(), body, secrets });

    expect(() => new Webhook(generateWebhookSecret()).verify(body, headers)).toThrow(
      'No matching signature found',
    );
  });
});
