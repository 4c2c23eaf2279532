/** IP addresses and CIDR blocks as bytes, so ranges can be matched without string tricks. */
import { isIP } from 'node:net';

export interface IpAddress {
  family: 4 | 6;
  /** 4 bytes for IPv4, 16 for IPv6, network order. */
  bytes: readonly number[];
}

export interface IpBlock {
  network: IpAddress;
  prefixLength: number;
}

/** Parses an IPv4 or IPv6 address (an IPv6 zone such as `%eth0` is ignored); undefined if not one. */
export function parseIpAddress(text: string): IpAddress | undefined {
  const address = text.split('%')[0];
  switch (isIP(address)) {
    case 4:
      return { family: 4, bytes: ipv4Bytes(address) };
    case 6:
      return { family: 6, bytes: ipv6Bytes(address) };
    default:
      return undefined;
  }
}

/** Parses `address` or `address/prefix`; undefined if either part is invalid. */
export function parseIpBlock(text: string): IpBlock | undefined {
  const [addressText, prefixText, ...rest] = text.split('/');
  if (rest.length > 0) return undefined;
  const network = parseIpAddress(addressText);
  if (!network || addressText.includes('%')) return undefined;
  const maxLength = network.bytes.length * 8;
  if (prefixText === undefined) return { network, prefixLength: maxLength };
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefixLength = Number(prefixText);
  return prefixLength <= maxLength ? { network, prefixLength } : undefined;
}

export function blockContains(block: IpBlock, address: IpAddress): boolean {
  if (block.network.family !== address.family) return false;
  for (let bit = 0; bit < block.prefixLength; bit++) {
    const byte = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    if ((block.network.bytes[byte] & mask) !== (address.bytes[byte] & mask)) return false;
  }
  return true;
}

/** The IPv4 address carried in the last 4 bytes of an IPv6 address. */
export function trailingIpv4(address: IpAddress): IpAddress {
  return { family: 4, bytes: address.bytes.slice(12) };
}

export function formatIpv4(address: IpAddress): string {
  return address.bytes.join('.');
}

function ipv4Bytes(address: string): number[] {
  return address.split('.').map(Number);
}

/** Expects a valid IPv6 address (checked by isIP): `::` fills the missing zero groups. */
function ipv6Bytes(address: string): number[] {
  const [head, tail] = withDottedTailAsGroups(address).split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = new Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  return [...headGroups, ...zeros, ...tailGroups].flatMap((group) => {
    const value = parseInt(group, 16);
    return [value >> 8, value & 0xff];
  });
}

/** `::ffff:1.2.3.4` becomes `::ffff:102:304`. */
function withDottedTailAsGroups(address: string): string {
  const lastColon = address.lastIndexOf(':');
  const tail = address.slice(lastColon + 1);
  if (!tail.includes('.')) return address;
  const [a, b, c, d] = ipv4Bytes(tail);
  return `${address.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}
