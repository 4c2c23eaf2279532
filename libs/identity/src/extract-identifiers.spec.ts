import { anEvent } from '@tessera/testing';
import { extractIdentifiers } from './extract-identifiers';
import { identityRules } from './identity-rules';

const rules = identityRules({ defaultRegion: 'GB', externalIdTraits: ['crm_id'] });

describe('extractIdentifiers', () => {
  it('takes userId and anonymousId', () => {
    const { identifiers } = extractIdentifiers(
      anEvent({ userId: 'u-1', anonymousId: 'a-1' }),
      rules,
    );
    expect(identifiers).toEqual([
      { type: 'user_id', value: 'u-1' },
      { type: 'anonymous_id', value: 'a-1' },
    ]);
  });

  it('takes email, phone and configured external-id traits of an identify call, normalised', () => {
    const event = anEvent({
      type: 'identify',
      userId: null,
      anonymousId: 'a-1',
      traits: { email: ' Jane@Example.ORG', phone: '020 7946 0018', crm_id: 991, name: 'Jane' },
    });
    expect(extractIdentifiers(event, rules).identifiers).toEqual([
      { type: 'anonymous_id', value: 'a-1' },
      { type: 'email', value: 'jane@example.org' },
      { type: 'phone', value: '+442079460018' },
      { type: 'crm_id', value: '991' },
    ]);
  });

  it('takes context.traits of any call, but not the traits of a group call (those are the group)', () => {
    const event = anEvent({
      type: 'group',
      groupId: 'acme',
      traits: { email: 'billing@acme.example' },
      context: { traits: { email: 'jane@acme.example' } },
    });
    const emails = extractIdentifiers(event, rules).identifiers.filter((i) => i.type === 'email');
    expect(emails).toEqual([{ type: 'email', value: 'jane@acme.example' }]);
  });

  it('takes device ids from context.device', () => {
    const event = anEvent({
      context: { device: { id: 'dev-1', advertisingId: 'ad-1', model: 'x' } },
    });
    expect(extractIdentifiers(event, rules).identifiers).toEqual([
      { type: 'user_id', value: 'user-1' },
      { type: 'device_id', value: 'dev-1' },
      { type: 'advertising_id', value: 'ad-1' },
    ]);
  });

  it('takes context.externalIds by their type, lower-cased, an email one as an email', () => {
    const event = anEvent({
      context: {
        externalIds: [
          { id: 'cus_123', type: 'Stripe_Customer_Id', collection: 'users', encoding: 'none' },
          { id: 'JANE@EXAMPLE.ORG', type: 'email', collection: 'users', encoding: 'none' },
        ],
      },
    });
    expect(extractIdentifiers(event, rules).identifiers.slice(1)).toEqual([
      { type: 'stripe_customer_id', value: 'cus_123' },
      { type: 'email', value: 'jane@example.org' },
    ]);
  });

  it('lists each identifier once when traits and context.traits repeat it', () => {
    const event = anEvent({
      type: 'identify',
      traits: { email: 'jane@example.org' },
      context: { traits: { email: 'JANE@example.org ' } },
    });
    expect(extractIdentifiers(event, rules).identifiers).toEqual([
      { type: 'user_id', value: 'user-1' },
      { type: 'email', value: 'jane@example.org' },
    ]);
  });

  it('reports, without their values, identifiers that fail normalisation or are blocked', () => {
    const event = anEvent({
      type: 'identify',
      userId: 'undefined',
      anonymousId: 'a-1',
      traits: { email: 'not-an-email', phone: '12' },
      context: { externalIds: [{ id: 'x' }, { id: 'guest', type: 'crm_id' }] },
    });
    const { identifiers, dropped } = extractIdentifiers(event, rules);
    expect(identifiers).toEqual([{ type: 'anonymous_id', value: 'a-1' }]);
    expect(dropped).toEqual([
      {
        type: 'user_id',
        path: 'userId',
        reason: expect.stringMatching(/^blocked value/) as string,
      },
      { type: 'email', path: 'traits.email', reason: 'not an email address' },
      {
        type: 'phone',
        path: 'traits.phone',
        reason: expect.stringMatching(/^not a valid phone/) as string,
      },
      {
        type: 'unknown',
        path: 'context.externalIds[0]',
        reason: 'an external id needs a type and an id',
      },
      {
        type: 'crm_id',
        path: 'context.externalIds[1]',
        reason: expect.stringMatching(/^blocked/) as string,
      },
    ]);
    expect(JSON.stringify(dropped)).not.toContain('not-an-email');
  });

  it("gives an alias call's previousId apart, normalised, for the graph to type", () => {
    const alias = anEvent({ type: 'alias', userId: 'u-new', previousId: ' a-old ' });
    expect(extractIdentifiers(alias, rules)).toEqual({
      identifiers: [{ type: 'user_id', value: 'u-new' }],
      dropped: [],
      previousId: 'a-old',
    });
    const blocked = anEvent({ type: 'alias', userId: 'u-new', previousId: 'null' });
    expect(extractIdentifiers(blocked, rules)).toMatchObject({
      previousId: null,
      dropped: [{ type: 'previous_id', path: 'previousId' }],
    });
  });

  it('ignores previousId on calls other than alias', () => {
    const event = anEvent({ type: 'track', previousId: 'a-old' });
    expect(extractIdentifiers(event, rules).previousId).toBeNull();
  });
});
