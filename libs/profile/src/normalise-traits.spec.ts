import { countryCode, normaliseTraits, type TraitRules } from './normalise-traits';

const rules: TraitRules = { defaultRegion: 'DE' };

describe('normaliseTraits', () => {
  it('lower-cases and trims an email', () => {
    expect(normaliseTraits({ email: '  Jane.Doe@Example.ORG ' }, rules)).toEqual({
      email: 'jane.doe@example.org',
    });
  });

  it('keeps an invalid email as sent, only trimmed', () => {
    expect(normaliseTraits({ email: '  Not An Email  ' }, rules)).toEqual({
      email: 'Not An Email',
    });
  });

  it('writes a national phone number in E.164 using the default region', () => {
    expect(normaliseTraits({ phone: '030 1234567' }, rules)).toEqual({ phone: '+49301234567' });
  });

  it('reads a phone number in the configured default region, not a fixed one', () => {
    expect(normaliseTraits({ phone: '020 7946 0958' }, { defaultRegion: 'GB' })).toEqual({
      phone: '+442079460958',
    });
  });

  it('keeps an international phone number in its own country', () => {
    expect(normaliseTraits({ phone: '+44 20 7946 0958' }, rules)).toEqual({
      phone: '+442079460958',
    });
  });

  it('normalises a mobile trait like a phone', () => {
    expect(normaliseTraits({ mobile: '0151 12345678' }, rules)).toEqual({
      mobile: '+4915112345678',
    });
  });

  it('keeps an invalid phone number as sent, only trimmed', () => {
    expect(normaliseTraits({ phone: '  12  ' }, rules)).toEqual({ phone: '12' });
  });

  it('trims a name and collapses its inner whitespace to single spaces', () => {
    expect(normaliseTraits({ name: '  Jane \t  Mary\n Doe ' }, rules)).toEqual({
      name: 'Jane Mary Doe',
    });
  });

  it('cleans every name trait the same way', () => {
    expect(
      normaliseTraits(
        {
          firstName: ' Jane  ',
          lastName: 'van  der Berg ',
          first_name: ' Joe',
          last_name: 'Bloggs  ',
          username: ' jane   doe ',
        },
        rules,
      ),
    ).toEqual({
      firstName: 'Jane',
      lastName: 'van der Berg',
      first_name: 'Joe',
      last_name: 'Bloggs',
      username: 'jane doe',
    });
  });

  it('upper-cases a lower-case alpha-2 country code', () => {
    expect(normaliseTraits({ country: 'de' }, rules)).toEqual({ country: 'DE' });
  });

  it('keeps an upper-case alpha-2 country code', () => {
    expect(normaliseTraits({ country: 'FR' }, rules)).toEqual({ country: 'FR' });
  });

  it('turns an alpha-3 country code into alpha-2', () => {
    expect(normaliseTraits({ country: 'deu' }, rules)).toEqual({ country: 'DE' });
  });

  it('turns an English country name into alpha-2', () => {
    expect(normaliseTraits({ country: ' Germany ' }, rules)).toEqual({ country: 'DE' });
  });

  it('keeps an unknown country as sent, only trimmed', () => {
    expect(normaliseTraits({ country: ' Narnia ' }, rules)).toEqual({ country: 'Narnia' });
  });

  it('normalises the country inside an address and leaves its other fields alone', () => {
    expect(
      normaliseTraits(
        { address: { street: '  Hauptstraße 1 ', city: 'Berlin', country: 'germany' } },
        rules,
      ),
    ).toEqual({ address: { street: '  Hauptstraße 1 ', city: 'Berlin', country: 'DE' } });
  });

  it('leaves an address that is not an object untouched', () => {
    expect(normaliseTraits({ address: ' 1 Main St ' }, rules)).toEqual({ address: ' 1 Main St ' });
  });

  it('leaves non-string values untouched, even under normalised keys', () => {
    const traits = {
      email: null,
      phone: 301234567,
      name: ['Jane'],
      country: { code: 'de' },
      vip: true,
    };
    expect(normaliseTraits(traits, rules)).toEqual(traits);
  });

  it('leaves other string traits untouched, without trimming them', () => {
    expect(normaliseTraits({ plan: '  Pro  Plan ', title: 'CEO ' }, rules)).toEqual({
      plan: '  Pro  Plan ',
      title: 'CEO ',
    });
  });

  it('does not change the traits it is given', () => {
    const traits = { email: ' JANE@EXAMPLE.ORG ' };
    normaliseTraits(traits, rules);
    expect(traits).toEqual({ email: ' JANE@EXAMPLE.ORG ' });
  });
});

describe('countryCode', () => {
  it('reads an alpha-2 code in any case', () => {
    expect(countryCode('gB')).toBe('GB');
  });

  it('reads an alpha-3 code', () => {
    expect(countryCode('USA')).toBe('US');
  });

  it('reads an English country name in any case', () => {
    expect(countryCode('united kingdom')).toBe('GB');
  });

  it('returns null for something that is no country', () => {
    expect(countryCode('Narnia')).toBeNull();
  });
});
