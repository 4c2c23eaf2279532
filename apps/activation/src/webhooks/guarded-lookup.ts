/** A resolver for http(s).request that refuses to hand over any address the policy does not allow. */
import type { LookupAddress, LookupAllOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import type { AddressPolicy } from './address-policy';

/** The part of dns.lookup the guard uses: every address of a name. dns.lookup itself fits. */
export type ResolveAll = (
  hostname: string,
  options: LookupAllOptions,
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

/** Fails the connection of a name that resolves to an address the policy refuses. */
export class DestinationRefusedError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'DestinationRefusedError';
  }
}

/**
 * Resolves once and checks every address before the socket sees any of them, so a DNS answer
 * cannot change between the check and the connect (DNS rebinding).
 */
export function guardedLookup(resolve: ResolveAll, policy: AddressPolicy): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const refusal = firstRefusal(addresses, policy);
      if (refusal !== undefined) {
        return callback(
          new DestinationRefusedError(`${hostname} resolves to a refused address: ${refusal}`),
          [],
        );
      }
      if (addresses.length === 0) return callback(notFound(hostname), []);
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

function firstRefusal(
  addresses: readonly LookupAddress[],
  policy: AddressPolicy,
): string | undefined {
  for (const { address } of addresses) {
    const verdict = policy.check(address);
    if (!verdict.allowed) return verdict.reason;
  }
  return undefined;
}

function notFound(hostname: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
    code: 'ENOTFOUND',
    hostname,
  });
}
