import { TcpLink } from './tcp-link';

/**
 * The network between a client and the store, with a switch (`down`, `up`): a client pointed at
 * `uri` sees the store go away and come back, as a store restart does to a service's connections.
 */
export class StoreLink extends TcpLink {
  /** A link to the store of `mongoUri` (`mongodb://host:port/...`). */
  static open(mongoUri: string): Promise<StoreLink> {
    const { hostname, port } = new URL(mongoUri);
    return new StoreLink({ host: hostname, port: Number(port || 27017) }).listen();
  }

  /** A connection string to the store through this link (one server, no discovery). */
  get uri(): string {
    return `mongodb://127.0.0.1:${this.port}/?directConnection=true`;
  }
}
