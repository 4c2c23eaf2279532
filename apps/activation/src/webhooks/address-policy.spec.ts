import { AddressPolicy, InvalidAllowlistEntryError, isIpLiteral } from './address-policy';

describe('AddressPolicy', () => {
  const strict = AddressPolicy.fromAllowlist([]);

  it.each([
    ['0.0.0.0', 'in the "this network" block (0.0.0.0/8)'],
    ['10.0.0.1', 'private (10.0.0.0/8)'],
    ['100.64.0.1', 'shared address space (carrier-grade NAT) (100.64.0.0/10)'],
    ['127.0.0.1', 'loopback (127.0.0.0/8)'],
    ['127.255.255.254', 'loopback (127.0.0.0/8)'],
    ['169.254.169.254', 'link-local (169.254.0.0/16)'],
    ['172.16.0.1', 'private (172.16.0.0/12)'],
    ['172.31.255.255', 'private (172.16.0.0/12)'],
    ['192.0.0.8', 'reserved for IETF protocol assignments (192.0.0.0/24)'],
    ['192.0.2.1', 'reserved for documentation (192.0.2.0/24)'],
    ['192.168.1.1', 'private (192.168.0.0/16)'],
    ['198.19.0.1', 'reserved for benchmarking (198.18.0.0/15)'],
    ['198.51.100.7', 'reserved for documentation (198.51.100.0/24)'],
    ['203.0.113.9', 'reserved for documentation (203.0.113.0/24)'],
    ['224.0.0.251', 'multicast (224.0.0.0/4)'],
    ['239.255.255.250', 'multicast (224.0.0.0/4)'],
    ['240.0.0.1', 'reserved (240.0.0.0/4)'],
    ['255.255.255.255', 'broadcast (255.255.255.255/32)'],
    ['::', 'unspecified (::/128)'],
    ['::1', 'loopback (::1/128)'],
    ['fe80::1', 'link-local (fe80::/10)'],
    ['fe80::1%eth0', 'link-local (fe80::/10)'],
    ['febf:ffff::1', 'link-local (fe80::/10)'],
    ['fc00::1', 'unique local (fc00::/7)'],
    ['fd00::1', 'unique local (fc00::/7)'],
    ['ff02::1', 'multicast (ff00::/8)'],
    ['2001:db8::1', 'reserved for documentation (2001:db8::/32)'],
    ['64:ff9b::a00:1', 'NAT64 (64:ff9b::/96)'],
    ['2002:a9fe:a9fe::1', '6to4 (2002::/16)'],
    ['2001:0:4136:e378::1', 'Teredo (2001::/32)'],
    ['fec0::1', 'site-local (deprecated) (fec0::/10)'],
  ])('refuses %s as %s', (address, range) => {
    expect(strict.check(address)).toEqual({ allowed: false, reason: `${address} is ${range}` });
  });

  it.each([
    ['::ffff:127.0.0.1', '127.0.0.1', 'loopback (127.0.0.0/8)'],
    ['::ffff:7f00:1', '127.0.0.1', 'loopback (127.0.0.0/8)'],
    ['::ffff:169.254.169.254', '169.254.169.254', 'link-local (169.254.0.0/16)'],
    ['::ffff:a00:1', '10.0.0.1', 'private (10.0.0.0/8)'],
    ['::127.0.0.1', '127.0.0.1', 'loopback (127.0.0.0/8)'],
    ['0:0:0:0:0:ffff:c0a8:101', '192.168.1.1', 'private (192.168.0.0/16)'],
  ])('refuses %s because it embeds %s', (address, ipv4, range) => {
    expect(strict.check(address)).toEqual({
      allowed: false,
      reason: `${address} embeds ${ipv4}, which is ${range}`,
    });
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '172.32.0.1',
    '172.15.255.255',
    '100.128.0.1',
    '169.255.0.1',
    '11.0.0.1',
    '223.255.255.255',
    '2606:4700::1',
    '2a00:1450:4001:81c::200e',
    '::ffff:8.8.8.8',
  ])('allows the public address %s', (address) => {
    expect(strict.check(address)).toEqual({ allowed: true });
  });

  it('refuses something that is not an IP address', () => {
    expect(strict.check('example.com')).toEqual({
      allowed: false,
      reason: 'example.com is not an IP address',
    });
  });

  it('allows an allowlisted address inside a blocked range', () => {
    const policy = AddressPolicy.fromAllowlist(['127.0.0.1']);

    expect(policy.check('127.0.0.1')).toEqual({ allowed: true });
  });

  it('keeps refusing blocked addresses outside the allowlist', () => {
    const policy = AddressPolicy.fromAllowlist(['127.0.0.1']);

    expect(policy.check('127.0.0.2')).toMatchObject({ allowed: false });
  });

  it('allows every address of an allowlisted CIDR block', () => {
    const policy = AddressPolicy.fromAllowlist(['10.1.2.0/24']);

    expect(policy.check('10.1.2.0')).toEqual({ allowed: true });
    expect(policy.check('10.1.2.255')).toEqual({ allowed: true });
    expect(policy.check('10.1.3.0')).toMatchObject({ allowed: false });
  });

  it('allows an allowlisted IPv6 address', () => {
    const policy = AddressPolicy.fromAllowlist(['::1/128']);

    expect(policy.check('::1')).toEqual({ allowed: true });
  });

  it('allows the IPv4-mapped form of an allowlisted IPv4 address', () => {
    const policy = AddressPolicy.fromAllowlist(['127.0.0.0/8']);

    expect(policy.check('::ffff:127.0.0.1')).toEqual({ allowed: true });
  });

  it('does not let an IPv4 allowlist entry allow IPv6 loopback', () => {
    const policy = AddressPolicy.fromAllowlist(['127.0.0.0/8']);

    expect(policy.check('::1')).toMatchObject({ allowed: false });
  });

  it('ignores spaces around allowlist entries', () => {
    const policy = AddressPolicy.fromAllowlist([' 10.0.0.0/8 ']);

    expect(policy.check('10.9.9.9')).toEqual({ allowed: true });
  });

  it.each([
    '',
    'localhost',
    '10.0.0.0/33',
    '::/129',
    '10.0.0.0/',
    '10.0.0/8',
    '10.0.0.0/8/8',
    'fe80::1%eth0',
    '10.0.0.0/-1',
    '10.0.0.0/ 8',
  ])('rejects the allowlist entry "%s"', (entry) => {
    expect(() => AddressPolicy.fromAllowlist(['127.0.0.1', entry])).toThrow(
      new InvalidAllowlistEntryError(entry),
    );
  });

  it('names the invalid allowlist entry in the error message', () => {
    expect(() => AddressPolicy.fromAllowlist(['10.0.0.0/40'])).toThrow(
      'invalid webhook allowlist entry "10.0.0.0/40": expected an IP address or a CIDR block',
    );
  });
});

describe('isIpLiteral', () => {
  it.each(['127.0.0.1', '::1', '[::1]', '[::ffff:7f00:1]'])('recognises %s', (host) => {
    expect(isIpLiteral(host)).toBe(true);
  });

  it.each(['localhost', 'example.com', '[example.com]', '127.1', ''])('rejects %s', (host) => {
    expect(isIpLiteral(host)).toBe(false);
  });
});
