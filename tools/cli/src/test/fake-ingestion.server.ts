import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  bytes: number;
  messageIds: string[];
  status: number;
}

export interface ScriptedResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface FakeIngestionOptions {
  writeKey: string;
  maxRequestBytes?: number;
  /** Event names the tracking plan forbids. */
  forbiddenEvents?: readonly string[];
  /** Runs before each answer (1-based request number): to delay it, or to interrupt the client. */
  beforeAnswer?: (request: number) => Promise<void> | void;
}

type Event = Record<string, unknown>;

const TYPES = new Set(['track', 'identify', 'page', 'screen', 'group', 'alias']);

/**
 * The `POST /v1/batch` contract of the ingestion service, kept in memory: Basic write-key auth,
 * the request size limit, per-event validation with partial acceptance, and messageId dedupe.
 * Scripted responses (a 503, a 429) answer the next requests instead, accepting nothing.
 */
export class FakeIngestionServer {
  readonly requests: ReceivedRequest[] = [];
  /** Accepted events by messageId, first one wins. */
  readonly events = new Map<string, Event>();
  private readonly script: ScriptedResponse[] = [];
  private readonly server: Server;

  constructor(private readonly options: FakeIngestionOptions) {
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        response.writeHead(500).end(String(error));
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Answers the next requests with these responses, in order. */
  respondNext(...responses: ScriptedResponse[]): void {
    this.script.push(...responses);
  }

  /** Every messageId received, in order, across all requests (retries included). */
  get sentMessageIds(): string[] {
    return this.requests.flatMap((request) => request.messageIds);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== 'POST' || request.url !== '/v1/batch') {
      response.writeHead(404).end('not found');
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const expected = `Basic ${Buffer.from(`${this.options.writeKey}:`).toString('base64')}`;
    const authorized = request.headers.authorization === expected;
    const body = JSON.parse(raw.toString('utf8')) as { batch: Event[]; sentAt: string };
    const received: ReceivedRequest = {
      bytes: raw.length,
      messageIds: body.batch.map((event) => String(event.messageId)),
      status: 0,
    };
    this.requests.push(received);
    await this.options.beforeAnswer?.(this.requests.length);
    const answer = this.answer(authorized, raw.length, body.batch);
    received.status = answer.status;
    response
      .writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers })
      .end(JSON.stringify(answer.body));
  }

  private answer(authorized: boolean, bytes: number, batch: Event[]): ScriptedResponse {
    if (!authorized) {
      return { status: 401, body: { success: false, error: 'unauthorized', message: 'bad key' } };
    }
    if (bytes > (this.options.maxRequestBytes ?? 500_000)) {
      return {
        status: 400,
        body: {
          success: false,
          error: 'payload_too_large',
          message: `${bytes} bytes`,
          accepted: 0,
        },
      };
    }
    const scripted = this.script.shift();
    if (scripted) return scripted;
    const rejected: { index: number; messageId: unknown; reason: string; message: string }[] = [];
    let accepted = 0;
    let duplicates = 0;
    batch.forEach((event, index) => {
      const problem = this.validate(event);
      if (problem) {
        rejected.push({ index, messageId: event.messageId, ...problem });
      } else if (this.events.has(event.messageId as string)) {
        duplicates += 1;
      } else {
        this.events.set(event.messageId as string, event);
        accepted += 1;
      }
    });
    if (!rejected.length) return { status: 200, body: { success: true, accepted, duplicates } };
    return {
      status: 400,
      body: {
        success: false,
        error: 'invalid_event',
        message: `${rejected.length} events rejected`,
        accepted,
        duplicates,
        rejected,
      },
    };
  }

  private validate(event: Event): { reason: string; message: string } | undefined {
    if (!TYPES.has(event.type as string)) return invalid(`unknown type ${String(event.type)}`);
    if (typeof event.messageId !== 'string') return invalid('messageId is required');
    if (event.userId === undefined && event.anonymousId === undefined) {
      return invalid('userId or anonymousId is required');
    }
    if (event.type === 'track' && typeof event.event !== 'string')
      return invalid('event is required');
    if (this.options.forbiddenEvents?.includes(event.event as string)) {
      return {
        reason: 'tracking_plan_violation',
        message: `event "${String(event.event)}" is not in the tracking plan`,
      };
    }
    return undefined;
  }
}

function invalid(message: string): { reason: string; message: string } {
  return { reason: 'invalid_event', message };
}
