import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request in this many is checked for a `webhook-signature` header. */
const SAMPLE_EVERY = 50;

/**
 * A webhook endpoint in the bench process that costs the sender as little as it can: it answers
 * 204 as soon as the request is read and counts, per path (one per subscription), the distinct
 * `webhook-id`s received. It verifies nothing; a sample of the requests is checked for a
 * `webhook-signature` header. With `onBody`, every body is handed over when it arrives.
 */
export class WebhookCounter {
  private readonly ids = new Map<string, Set<string>>();
  private readonly server: Server;
  private distinct = 0;
  private requests = 0;
  private signaturesChecked = 0;
  private signaturesMissing = 0;
  private lastProgress = performance.now();
  private waiting: { target: number; resolve: (at: number) => void } | undefined;

  private constructor(private readonly onBody?: (body: string, at: number) => void) {
    this.server = createServer((request, response) => this.take(request, response));
  }

  static async start(onBody?: (body: string, at: number) => void): Promise<WebhookCounter> {
    const counter = new WebhookCounter(onBody);
    await new Promise<void>((resolve) => counter.server.listen(0, '127.0.0.1', resolve));
    return counter;
  }

  /** The URL a subscription named `path` delivers to. */
  url(path: string): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/hooks/${path}`;
  }

  /**
   * Resolves with the time (performance.now()) the `target`-th distinct message arrived; rejects
   * when none arrived for `stallMs`.
   */
  distinctMessages(target: number, stallMs: number): Promise<number> {
    if (this.distinct >= target) return Promise.resolve(this.lastProgress);
    this.lastProgress = performance.now();
    return new Promise((resolve, reject) => {
      const stalled = setInterval(() => {
        if (performance.now() - this.lastProgress < stallMs) return;
        clearInterval(stalled);
        reject(
          new Error(`no webhook for ${stallMs / 1000} s: ${this.distinct} of ${target} received`),
        );
      }, 1_000);
      this.waiting = {
        target,
        resolve: (at) => {
          clearInterval(stalled);
          resolve(at);
        },
      };
    });
  }

  /** What arrived: requests, distinct messages (overall and per path), the signature sample. */
  counts(): {
    requests: number;
    distinct: number;
    distinctPerPath: { min: number; max: number };
    signatureSample: { checked: number; missing: number };
  } {
    const perPath = [...this.ids.values()].map((ids) => ids.size);
    return {
      requests: this.requests,
      distinct: this.distinct,
      distinctPerPath: { min: Math.min(...perPath), max: Math.max(...perPath) },
      signatureSample: { checked: this.signaturesChecked, missing: this.signaturesMissing },
    };
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private take(request: IncomingMessage, response: ServerResponse): void {
    const at = performance.now();
    this.requests += 1;
    if (this.requests % SAMPLE_EVERY === 1) {
      this.signaturesChecked += 1;
      if (!request.headers['webhook-signature']) this.signaturesMissing += 1;
    }
    this.count(request.url ?? '', request.headers['webhook-id'], at);
    const chunks: Buffer[] = [];
    if (this.onBody) request.on('data', (chunk: Buffer) => chunks.push(chunk));
    else request.resume();
    request.on('end', () => {
      response.writeHead(204).end();
      this.onBody?.(Buffer.concat(chunks).toString(), at);
    });
  }

  private count(path: string, id: string | string[] | undefined, at: number): void {
    if (typeof id !== 'string') return;
    const ids = this.ids.get(path) ?? new Set<string>();
    this.ids.set(path, ids);
    if (ids.has(id)) return;
    ids.add(id);
    this.distinct += 1;
    this.lastProgress = at;
    if (this.waiting && this.distinct === this.waiting.target) this.waiting.resolve(at);
  }
}
