import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A message as Tessera sends it (the fields tests read). */
export interface WebhookPayload {
  type: string;
  timestamp: string;
  data: Record<string, unknown> & {
    profileId: string;
    version?: number;
    profileVersion?: number;
    mergedInto?: string;
    audienceId?: string;
    identifiers?: { type: string; value: string }[];
  };
}

export interface ReceivedRequest {
  headers: IncomingHttpHeaders;
  body: string;
  /** The parsed body: `{ type, timestamp, data }`. */
  payload: WebhookPayload;
  at: number;
}

/** How the receiver answers the n-th request (0-based): a status, headers, after a delay, or never. */
export type Answer = (
  request: ReceivedRequest,
  n: number,
) => { status: number; headers?: Record<string, string>; delayMs?: number; hang?: boolean };

/** A webhook endpoint in the test process (loopback): records every request and answers as told. */
export class WebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  inFlight = 0;
  maxInFlight = 0;
  private readonly server: Server;
  private answer: Answer = () => ({ status: 204 });

  private constructor(private readonly host: string) {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        const received: ReceivedRequest = {
          headers: request.headers,
          body,
          payload: JSON.parse(body || '{"data":{}}') as WebhookPayload,
          at: Date.now(),
        };
        const n = this.requests.length;
        this.requests.push(received);
        this.inFlight++;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        const { status, headers, delayMs, hang } = this.answer(received, n);
        response.on('close', () => this.inFlight--);
        if (hang) return;
        setTimeout(() => response.writeHead(status, headers).end(), delayMs ?? 0);
      });
    });
  }

  static async start(host = '127.0.0.1'): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver(host);
    await new Promise<void>((resolve) => receiver.server.listen(0, host, resolve));
    return receiver;
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://${this.host}:${port}/hooks`;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  answerWith(answer: Answer): void {
    this.answer = answer;
  }

  /** Requests of one message type, in arrival order. */
  ofType(type: string): ReceivedRequest[] {
    return this.requests.filter((request) => request.payload.type === type);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
