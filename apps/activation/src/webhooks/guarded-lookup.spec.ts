import type { LookupAddress, LookupOptions } from 'node:dns';
import { AddressPolicy } from './address-policy';
import { DestinationRefusedError, guardedLookup, type ResolveAll } from './guarded-lookup';

interface LookupResult {
  error: NodeJS.ErrnoException | null;
  address: string | LookupAddress[];
  family?: number;
}

/** A resolver that answers `addresses` for any name, asynchronously like dns.lookup. */
function resolverAnswering(addresses: LookupAddress[]): jest.MockedFunction<ResolveAll> {
  return jest.fn<void, Parameters<ResolveAll>>((_hostname, _options, callback) => {
    setImmediate(() => callback(null, addresses));
  });
}

function lookUp(resolve: ResolveAll, options: LookupOptions): Promise<LookupResult> {
  const lookup = guardedLookup(resolve, AddressPolicy.fromAllowlist([]));
  return new Promise((done) => {
    lookup('hooks.example.com', options, (error, address, family) =>
      done({ error, address, family }),
    );
  });
}

const publicV4 = { address: '93.184.215.14', family: 4 };
const publicV6 = { address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c', family: 6 };
const metadata = { address: '169.254.169.254', family: 4 };

describe('guardedLookup', () => {
  it('hands over every address when the socket asks for all of them', async () => {
    const result = await lookUp(resolverAnswering([publicV4, publicV6]), { all: true });

    expect(result).toEqual({ error: null, address: [publicV4, publicV6], family: undefined });
  });

  it('hands over the first address when the socket asks for one', async () => {
    const result = await lookUp(resolverAnswering([publicV6, publicV4]), {});

    expect(result).toEqual({ error: null, address: publicV6.address, family: 6 });
  });

  it('resolves every address even when the socket asks for one, to check them all', async () => {
    const resolve = resolverAnswering([publicV4]);

    await lookUp(resolve, { family: 4 });

    expect(resolve).toHaveBeenCalledWith(
      'hooks.example.com',
      { family: 4, all: true },
      expect.any(Function),
    );
  });

  it('refuses a name when any of its addresses is refused', async () => {
    const result = await lookUp(resolverAnswering([publicV4, metadata]), {});

    expect(result.error).toEqual(
      new DestinationRefusedError(
        'hooks.example.com resolves to a refused address: 169.254.169.254 is link-local (169.254.0.0/16)',
      ),
    );
    expect(result.error).toBeInstanceOf(DestinationRefusedError);
  });

  it('passes a resolver error on', async () => {
    const failure = Object.assign(new Error('getaddrinfo EAI_AGAIN'), { code: 'EAI_AGAIN' });
    const resolve: ResolveAll = (_hostname, _options, callback) =>
      setImmediate(() => callback(failure, []));

    const result = await lookUp(resolve, {});

    expect(result.error).toBe(failure);
  });

  it('fails a name without addresses as not found', async () => {
    const result = await lookUp(resolverAnswering([]), { all: true });

    expect(result.error).toMatchObject({ code: 'ENOTFOUND', hostname: 'hooks.example.com' });
  });
});
