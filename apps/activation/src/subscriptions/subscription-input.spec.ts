import { AddressPolicy } from '../webhooks';
import type { Subscription } from './subscription';
import {
  InvalidSubscriptionError,
  parseNewSubscription,
  parseSubscriptionUpdate,
} from './subscription-input';

const policy = AddressPolicy.fromAllowlist([]);
const webhook = { type: 'webhook', url: 'https://hooks.example.com/tessera' };

function refused(body: unknown): string {
  try {
    parseNewSubscription(body, policy);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidSubscriptionError);
    return (error as Error).message;
  }
  throw new Error('accepted');
}

describe('parseNewSubscription', () => {
  it('reads a webhook subscription with defaults for what it leaves out', () => {
    expect(
      parseNewSubscription({ target: webhook, filter: { profileUpdates: true } }, policy),
    ).toEqual({
      id: null,
      secret: null,
      name: '',
      target: { type: 'webhook', url: 'https://hooks.example.com/tessera' },
      filter: { profileUpdates: { fields: [] }, audiences: null, merges: false, deletions: false },
      consent: [],
      format: 'json',
      concurrency: null,
      status: 'active',
    });
  });

  it('reads audience filters: every audience and change by default, or the ones named', () => {
    const all = parseNewSubscription({ target: webhook, filter: { audiences: true } }, policy);
    expect(all.filter.audiences).toEqual({ ids: null, changes: ['entered', 'exited'] });
    const some = parseNewSubscription(
      { target: webhook, filter: { audiences: { ids: ['vip'], changes: ['entered'] } } },
      policy,
    );
    expect(some.filter.audiences).toEqual({ ids: ['vip'], changes: ['entered'] });
  });

  it('refuses a filter that selects nothing', () => {
    expect(refused({ target: webhook, filter: { merges: false } })).toMatch(/selects nothing/);
  });

  it('refuses unknown fields, naming them', () => {
    expect(refused({ target: webhook, filter: { merges: true }, colour: 'red' })).toMatch(
      /unknown field colour/,
    );
    expect(refused({ target: webhook, filter: { merge: true } })).toMatch(
      /filter has unknown field merge/,
    );
  });

  it('refuses a webhook URL that is not http(s) or points at a private literal address', () => {
    expect(
      refused({ target: { type: 'webhook', url: 'file:///etc/passwd' }, filter: { merges: true } }),
    ).toMatch(/http or https/);
    expect(
      refused({
        target: { type: 'webhook', url: 'http://169.254.169.254/latest' },
        filter: { merges: true },
      }),
    ).toMatch(/not allowed: 169\.254\.169\.254/);
    expect(
      refused({ target: { type: 'webhook', url: 'http://[::1]:8080/' }, filter: { merges: true } }),
    ).toMatch(/not allowed/);
  });

  it('accepts a private literal address that the allowlist names', () => {
    const allowed = AddressPolicy.fromAllowlist(['10.1.2.0/24']);
    expect(
      parseNewSubscription(
        { target: { type: 'webhook', url: 'http://10.1.2.3:9000/h' }, filter: { merges: true } },
        allowed,
      ).target,
    ).toEqual({ type: 'webhook', url: 'http://10.1.2.3:9000/h' });
  });

  it("refuses a Kafka topic that is not a topic name or is Tessera's own", () => {
    expect(
      refused({ target: { type: 'kafka', topic: 'bad topic' }, filter: { merges: true } }),
    ).toMatch(/Kafka topic name/);
    expect(
      refused({
        target: { type: 'kafka', topic: 'tessera.profiles.snapshot.v1' },
        filter: { merges: true },
      }),
    ).toMatch(/reserved/);
  });

  it('refuses a secret for anything but a webhook target, and a null target, with a message', () => {
    const kafka = { type: 'kafka', topic: 'crm.profiles' };
    expect(refused({ target: kafka, filter: { merges: true }, secret: 'whsec_x' })).toMatch(
      /secret is for webhook targets/,
    );
    expect(refused({ target: null, filter: { merges: true }, secret: 'whsec_x' })).toMatch(
      /secret is for webhook targets/,
    );
  });

  it('allows avro only for Kafka targets', () => {
    expect(refused({ target: webhook, filter: { merges: true }, format: 'avro' })).toMatch(
      /Kafka targets/,
    );
    expect(
      parseNewSubscription(
        {
          target: { type: 'kafka', topic: 'crm.profiles' },
          filter: { merges: true },
          format: 'avro',
        },
        policy,
      ).format,
    ).toBe('avro');
  });

  it('refuses a concurrency out of range and an id with capitals', () => {
    expect(refused({ target: webhook, filter: { merges: true }, concurrency: 0 })).toMatch(
      /concurrency/,
    );
    expect(refused({ id: 'CRM', target: webhook, filter: { merges: true } })).toMatch(/^id must/);
  });
});

describe('parseSubscriptionUpdate', () => {
  const current: Subscription = {
    id: 'crm',
    name: 'CRM',
    target: { type: 'webhook', url: 'https://hooks.example.com/a' },
    filter: { profileUpdates: { fields: [] }, audiences: null, merges: false, deletions: false },
    consent: ['marketing'],
    format: 'json',
    status: 'disabled',
    statusReason: 'the endpoint answered 410 Gone',
    concurrency: 3,
    secrets: [],
    createdAt: 1,
    updatedAt: 1,
  };

  it('changes only the fields the body names, leaving a disabled subscription disabled', () => {
    expect(parseSubscriptionUpdate({ consent: [] }, current, policy)).toEqual({
      name: 'CRM',
      target: current.target,
      filter: current.filter,
      consent: [],
      format: 'json',
      concurrency: 3,
      status: 'disabled',
    });
    expect(parseSubscriptionUpdate({ status: 'active' }, current, policy).status).toBe('active');
  });

  it('keeps a paused subscription paused unless the body resumes it', () => {
    const paused = { ...current, status: 'paused' as const };
    expect(parseSubscriptionUpdate({ name: 'x' }, paused, policy).status).toBe('paused');
    expect(parseSubscriptionUpdate({ status: 'active' }, paused, policy).status).toBe('active');
  });

  it('refuses to change the id', () => {
    expect(() => parseSubscriptionUpdate({ id: 'other' }, current, policy)).toThrow(
      /unknown field id/,
    );
  });
});
