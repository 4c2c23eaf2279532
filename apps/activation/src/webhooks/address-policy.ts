import { isIP } from 'node:net';
import { InvalidAllowlistEntryError } from './invalid-allowlist-entry-error';
import {
  blockContains,
  formatIpv4,
  parseIpAddress,
  parseIpBlock,
  trailingIpv4,
  type IpAddress,
  type IpBlock,
} from './ip-address';

export { InvalidAllowlistEntryError } from './invalid-allowlist-entry-error';

export type AddressVerdict = { allowed: true } | { allowed: false; reason: string };

interface BlockedRange {
  cidr: string;
  block: IpBlock;
  /** Completes "<address> is ...". */
  description: string;
}

/** Ranges a webhook must not reach unless allowlisted: internal, special-purpose or not unicast. */
const BLOCKED_IPV4 = blockedRanges([
  ['0.0.0.0/8', 'in the "this network" block'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'shared address space (carrier-grade NAT)'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'reserved for IETF protocol assignments'],
  ['192.0.2.0/24', 'reserved for documentation'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'reserved for benchmarking'],
  ['198.51.100.0/24', 'reserved for documentation'],
  ['203.0.113.0/24', 'reserved for documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['255.255.255.255/32', 'broadcast'],
  ['240.0.0.0/4', 'reserved'],
]);

const BLOCKED_IPV6 = blockedRanges([
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['fe80::/10', 'link-local'],
  ['fc00::/7', 'unique local'],
  ['ff00::/8', 'multicast'],
  ['2001:db8::/32', 'reserved for documentation'],
  // A NAT64 gateway would forward to any IPv4 address, internal ones included.
  ['64:ff9b::/96', 'NAT64'],
  // Tunnels that carry an IPv4 address (6to4, Teredo) or the deprecated site-local range.
  ['2002::/16', '6to4'],
  ['2001::/32', 'Teredo'],
  ['fec0::/10', 'site-local (deprecated)'],
]);

/** IPv6 forms that carry an IPv4 address in their last 32 bits; the IPv4 address decides. */
const IPV4_CARRIERS = [parseBlock('::ffff:0:0/96'), parseBlock('::/96')];

/** Decides which IP addresses a webhook may connect to (the SSRF guard). */
export class AddressPolicy {
  private constructor(private readonly allowlist: readonly IpBlock[]) {}

  /** Entries are IP addresses or CIDR blocks; they are allowed even inside a blocked range. */
  static fromAllowlist(entries: readonly string[]): AddressPolicy {
    return new AddressPolicy(entries.map(parseAllowlistEntry));
  }

  check(address: string): AddressVerdict {
    const parsed = parseIpAddress(address);
    if (!parsed) return refuse(`${address} is not an IP address`);
    const embedded = embeddedIpv4(parsed);
    if (this.isAllowlisted(parsed) || (embedded && this.isAllowlisted(embedded))) {
      return { allowed: true };
    }
    const range = blockedRange(parsed);
    if (range) return refuse(`${address} is ${range.description} (${range.cidr})`);
    if (!embedded) return { allowed: true };
    const embeddedRange = blockedRange(embedded);
    if (!embeddedRange) return { allowed: true };
    const ipv4 = formatIpv4(embedded);
    return refuse(
      `${address} embeds ${ipv4}, which is ${embeddedRange.description} (${embeddedRange.cidr})`,
    );
  }

  private isAllowlisted(address: IpAddress): boolean {
    return this.allowlist.some((block) => blockContains(block, address));
  }
}

/** True for an IPv4 or IPv6 address, bracketed (`[::1]`, as in a URL) or not. */
export function isIpLiteral(host: string): boolean {
  return isIP(unbracketed(host)) !== 0;
}

/** `[::1]` becomes `::1`; anything else is returned as is. */
export function unbracketed(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function parseAllowlistEntry(entry: string): IpBlock {
  const block = parseIpBlock(entry.trim());
  if (!block) throw new InvalidAllowlistEntryError(entry);
  return block;
}

function blockedRange(address: IpAddress): BlockedRange | undefined {
  const ranges = address.family === 4 ? BLOCKED_IPV4 : BLOCKED_IPV6;
  return ranges.find((range) => blockContains(range.block, address));
}

function embeddedIpv4(address: IpAddress): IpAddress | undefined {
  if (address.family !== 6) return undefined;
  return IPV4_CARRIERS.some((block) => blockContains(block, address))
    ? trailingIpv4(address)
    : undefined;
}

function refuse(reason: string): AddressVerdict {
  return { allowed: false, reason };
}

function blockedRanges(ranges: ReadonlyArray<[string, string]>): BlockedRange[] {
  return ranges.map(([cidr, description]) => ({ cidr, block: parseBlock(cidr), description }));
}

function parseBlock(cidr: string): IpBlock {
  const block = parseIpBlock(cidr);
  if (!block) throw new Error(`bad built-in range ${cidr}`);
  return block;
}
