import {
  compareTypePriority,
  DEFAULT_IDENTITY_RULES,
  identityRules,
  InvalidIdentityRulesError,
  limitOf,
} from './identity-rules';

describe('identityRules', () => {
  it('defaults to one user_id and five of any other type per profile, user_id > email > phone', () => {
    const rules = identityRules();
    expect(limitOf(rules, 'user_id')).toBe(1);
    expect(limitOf(rules, 'email')).toBe(5);
    expect(limitOf(rules, 'crm_id')).toBe(5);
    expect(rules.priority).toEqual(DEFAULT_IDENTITY_RULES.priority);
    expect(rules.defaultRegion).toBe('US');
  });

  it('takes per-type limits on top of the defaults', () => {
    const rules = identityRules({ limits: { email: 2 }, defaultLimit: 3 });
    expect(limitOf(rules, 'user_id')).toBe(1);
    expect(limitOf(rules, 'email')).toBe(2);
    expect(limitOf(rules, 'device_id')).toBe(3);
  });

  it('orders types by the configured priority, then the others by name', () => {
    const rules = identityRules({ priority: ['email', 'user_id'] });
    const types = ['phone', 'user_id', 'crm_id', 'email', 'anonymous_id'];
    expect(types.sort((a, b) => compareTypePriority(rules, a, b))).toEqual([
      'email',
      'user_id',
      'anonymous_id',
      'crm_id',
      'phone',
    ]);
  });

  it.each([
    [{ defaultRegion: 'XX' }, 'defaultRegion'],
    [{ blockedPatterns: ['ok', '('] }, 'blockedPatterns[1]'],
    [{ externalIdTraits: ['CRM id'] }, 'externalIdTraits[0]'],
    [{ limits: { email: 0 } }, 'limits.email'],
    [{ limits: { 'Bad Type': 1 } }, 'limits[0]'],
    [{ defaultLimit: 1.5 }, 'defaultLimit'],
    [{ limitWindowMs: -1 }, 'limitWindowMs'],
    [{ priority: ['email', 'email'] }, 'priority'],
  ])('refuses %j, naming %s', (input, setting) => {
    const attempt = () => identityRules(input);
    expect(attempt).toThrow(InvalidIdentityRulesError);
    expect(attempt).toThrow(new RegExp(`^${setting.replace(/[[\].]/g, '\\$&')}: `));
  });
});
