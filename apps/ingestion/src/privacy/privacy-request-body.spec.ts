import { BadRequestException } from '@nestjs/common';
import { DEFAULT_IDENTITY_RULES } from '@tessera/identity';
import { idempotencyKeyOf, privacyRequestInput } from './privacy-request-body';

const rules = DEFAULT_IDENTITY_RULES;

function problemOf(body: unknown): unknown {
  try {
    privacyRequestInput(body, rules);
  } catch (error) {
    if (error instanceof BadRequestException) return error.getResponse();
    throw error;
  }
  throw new Error('the body was accepted');
}

describe('privacyRequestInput', () => {
  it('normalises the identifier as the identity service does', () => {
    expect(
      privacyRequestInput(
        { type: 'suppress', identifier: { type: 'email', value: '  Ana@Example.com ' } },
        rules,
      ),
    ).toEqual({ type: 'suppress', identifier: { type: 'email', value: 'ana@example.com' } });
  });

  it('takes external id types and trims their values', () => {
    expect(
      privacyRequestInput(
        { type: 'delete', identifier: { type: 'crm_id', value: ' C-1 ' } },
        rules,
      ),
    ).toEqual({ type: 'delete', identifier: { type: 'crm_id', value: 'C-1' } });
  });

  it('refuses an unknown request type, naming the field and the allowed types', () => {
    expect(problemOf({ type: 'erase', identifier: { type: 'email', value: 'a@b.co' } })).toEqual({
      error: 'invalid_request',
      path: 'type',
      message: 'type: must be one of delete, suppress, suppress_with_delete, unsuppress',
    });
  });

  it('refuses unknown fields at the top and in the identifier', () => {
    expect(
      problemOf({ type: 'delete', identifier: { type: 'email', value: 'a@b.co' }, reason: 'x' }),
    ).toMatchObject({ path: 'reason' });
    expect(
      problemOf({ type: 'delete', identifier: { type: 'email', value: 'a@b.co', kind: 1 } }),
    ).toMatchObject({ path: 'identifier.kind' });
  });

  it('refuses a missing or malformed identifier', () => {
    expect(problemOf({ type: 'delete' })).toMatchObject({ path: 'identifier' });
    expect(problemOf({ type: 'delete', identifier: ['email'] })).toMatchObject({
      path: 'identifier',
    });
    expect(
      problemOf({ type: 'delete', identifier: { type: 'Email', value: 'a@b.co' } }),
    ).toMatchObject({ path: 'identifier.type' });
    expect(problemOf({ type: 'delete', identifier: { type: 'email', value: 42 } })).toMatchObject({
      path: 'identifier.value',
      message: 'identifier.value: must be a string',
    });
  });

  it('refuses a value its type cannot normalise, without echoing the value', () => {
    expect(problemOf({ type: 'delete', identifier: { type: 'email', value: 'ana' } })).toEqual({
      error: 'invalid_request',
      path: 'identifier.value',
      message: 'identifier.value: is not an email address',
    });
    expect(
      problemOf({ type: 'delete', identifier: { type: 'phone', value: 'call me' } }),
    ).toMatchObject({
      message: expect.stringMatching(/^identifier\.value: is not a valid phone/) as string,
    });
    expect(
      problemOf({ type: 'delete', identifier: { type: 'user_id', value: 'null' } }),
    ).toMatchObject({
      message: expect.stringMatching(/^identifier\.value: is refused: blocked/) as string,
    });
  });

  it('refuses a value longer than any identifier before normalising it', () => {
    expect(
      problemOf({ type: 'delete', identifier: { type: 'user_id', value: 'u'.repeat(513) } }),
    ).toMatchObject({ message: 'identifier.value: must be at most 512 characters' });
  });

  it('refuses a body that is not a JSON object', () => {
    expect(problemOf([1])).toMatchObject({ message: 'the body must be a JSON object' });
    expect(problemOf(null)).toMatchObject({ path: 'type' });
  });
});

describe('idempotencyKeyOf', () => {
  it('takes an absent key or one of 1 to 255 characters', () => {
    expect(idempotencyKeyOf(undefined)).toBeUndefined();
    expect(idempotencyKeyOf('7c1e9a0e-5a1b-4f7e-9d55-1b2d0f0c6a11')).toBe(
      '7c1e9a0e-5a1b-4f7e-9d55-1b2d0f0c6a11',
    );
  });

  it('refuses an empty or overlong key, naming the header', () => {
    for (const key of ['', 'k'.repeat(256)]) {
      expect(() => idempotencyKeyOf(key)).toThrow(BadRequestException);
    }
    expect(() => idempotencyKeyOf('')).toThrow(/^Idempotency-Key: must be/);
  });
});
