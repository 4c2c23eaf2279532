import { createHmac } from 'node:crypto';
import { identifierHash } from './identifier-hash';

describe('identifierHash', () => {
  const key = 'privacy-key-0123456789';

  it('is the HMAC-SHA256 of type:value under the key, in hex', () => {
    const expected = createHmac('sha256', key).update('email:ana@example.com').digest('hex');
    expect(identifierHash({ type: 'email', value: 'ana@example.com' }, key)).toBe(expected);
  });

  it('differs by type for the same value', () => {
    expect(identifierHash({ type: 'user_id', value: '42' }, key)).not.toBe(
      identifierHash({ type: 'crm_id', value: '42' }, key),
    );
  });

  it('differs by key, so the list cannot be matched without it', () => {
    const ana = { type: 'email', value: 'ana@example.com' };
    expect(identifierHash(ana, key)).not.toBe(identifierHash(ana, 'another-key-0123456789'));
  });
});
