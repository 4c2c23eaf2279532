import { identityRules } from './identity-rules';
import { normaliseEmail, normaliseIdentifier, normalisePhone } from './normalise-identifier';

const rules = identityRules({ defaultRegion: 'DE', blockedPatterns: ['@example\\.com$'] });

describe('normaliseEmail', () => {
  it('trims and lower-cases an address', () => {
    expect(normaliseEmail('  Jane.Doe@Example.ORG ')).toEqual({
      ok: true,
      value: 'jane.doe@example.org',
    });
  });

  it.each(['jane', 'jane@', '@example.org', 'jane@localhost', 'ja ne@example.org', 'a@b@c.de'])(
    'refuses %j',
    (raw) => {
      expect(normaliseEmail(raw)).toEqual({ ok: false, reason: 'not an email address' });
    },
  );
});

describe('normalisePhone', () => {
  it('writes a number with a country code in E.164', () => {
    expect(normalisePhone('+1 (415) 555-2671', rules)).toEqual({ ok: true, value: '+14155552671' });
  });

  it('reads a number without a country code in the default region', () => {
    expect(normalisePhone('0151 23456789', rules)).toEqual({ ok: true, value: '+4915123456789' });
    const us = identityRules({ defaultRegion: 'US' });
    expect(normalisePhone('(415) 555-2671', us)).toEqual({ ok: true, value: '+14155552671' });
  });

  it.each(['12', 'call me', '+49 0000', ''])('refuses %j', (raw) => {
    expect(normalisePhone(raw, rules)).toMatchObject({ ok: false });
  });
});

describe('normaliseIdentifier', () => {
  it('keeps the case of ids and trims them', () => {
    expect(normaliseIdentifier('user_id', '  U-42 ', rules)).toEqual({ ok: true, value: 'U-42' });
  });

  it('reads a finite number as its decimal text', () => {
    expect(normaliseIdentifier('crm_id', 12345, rules)).toEqual({ ok: true, value: '12345' });
    expect(normaliseIdentifier('crm_id', Number.NaN, rules)).toMatchObject({ ok: false });
  });

  it.each([true, {}, [], null])('refuses %j, which is not text or a number', (raw) => {
    expect(normaliseIdentifier('user_id', raw, rules)).toEqual({
      ok: false,
      reason: 'not text or a number',
    });
  });

  it.each([
    'null',
    ' Undefined ',
    'anonymous',
    'GUEST',
    'none',
    'NaN',
    '[object Object]',
    'true',
    'false',
    '-1',
    '0',
    '000-000',
    '--',
    '',
    '   ',
  ])('blocks the placeholder %j for every type', (raw) => {
    for (const type of ['user_id', 'anonymous_id', 'device_id', 'crm_id', 'email']) {
      const result = normaliseIdentifier(type, raw, rules);
      expect(result).toMatchObject({ ok: false });
      expect((result as { reason: string }).reason).toMatch(/^blocked value/);
    }
  });

  it('blocks values that match a configured pattern, after normalisation', () => {
    expect(normaliseIdentifier('email', 'Test@EXAMPLE.com', rules)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('blocked pattern') as string,
    });
    expect(normaliseIdentifier('email', 'test@example.org', rules)).toMatchObject({ ok: true });
  });

  it('refuses values longer than 512 characters', () => {
    expect(normaliseIdentifier('user_id', 'u'.repeat(513), rules)).toEqual({
      ok: false,
      reason: 'longer than 512 characters',
    });
    expect(normaliseIdentifier('user_id', 'u'.repeat(512), rules)).toMatchObject({ ok: true });
  });
});
