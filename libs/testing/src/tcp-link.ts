import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

/**
 * The network between a client and a server, with a switch: a TCP proxy on 127.0.0.1 that forwards
 * every connection to the target until it is cut, and drops and refuses connections while it is.
 * A test takes a dependency away from the client it tests (and brings it back) without stopping
 * the infrastructure the other suites share. Subclasses may rewrite what goes through (`forward`).
 */
export class TcpLink {
  private readonly connections = new Set<Socket>();
  private readonly server = createServer((client) => this.accept(client));
  private cut = false;

  protected constructor(protected readonly target: { host: string; port: number }) {}

  /** The port clients connect to. */
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Drops every open connection and refuses new ones: the target is unreachable. */
  down(): void {
    this.cut = true;
    for (const socket of this.connections) socket.destroy();
  }

  up(): void {
    this.cut = false;
  }

  async close(): Promise<void> {
    this.down();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  protected async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  /** Carries the bytes both ways; unchanged here. */
  protected forward(client: Socket, upstream: Socket): void {
    client.pipe(upstream);
    upstream.pipe(client);
  }

  private accept(client: Socket): void {
    if (this.cut) {
      client.destroy();
      return;
    }
    const upstream = connect(this.target.port, this.target.host);
    for (const socket of [client, upstream]) {
      this.connections.add(socket);
      socket.on('close', () => {
        this.connections.delete(socket);
        client.destroy();
        upstream.destroy();
      });
      socket.on('error', () => socket.destroy());
    }
    this.forward(client, upstream);
  }
}
