/** One HTTP(S) POST of a webhook to one URL, with its response body read (bounded) and discarded. */
import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { unbracketed } from './address-policy';
import { DestinationRefusedError } from './guarded-lookup';
import type { WebhookOutcome, WebhookRequest } from './webhook-sender';

/** A receiver's reply is only acknowledged, never used; this much is read before hanging up. */
const MAX_RESPONSE_BODY_BYTES = 64 * 1024;

type Untimed<T> = T extends unknown ? Omit<T, 'latencyMs'> : never;
/** An outcome before the sender adds the latency of the whole attempt. */
export type PostResult = Untimed<WebhookOutcome>;

export interface PostOptions {
  lookup: LookupFunction;
  userAgent: string;
  /** Aborts at the attempt's deadline. */
  signal: AbortSignal;
  timeoutMs: number;
}

export async function postOnce(
  url: URL,
  request: WebhookRequest,
  options: PostOptions,
): Promise<PostResult> {
  try {
    const req = startRequest(url, request, options);
    const response = responseOf(req);
    req.end(request.body);
    const res = await response;
    await discardBody(res);
    return responseResult(res);
  } catch (error) {
    return errorResult(error, options);
  }
}

function startRequest(url: URL, request: WebhookRequest, options: PostOptions): ClientRequest {
  const transport = url.protocol === 'https:' ? https : http;
  return transport.request({
    protocol: url.protocol,
    hostname: unbracketed(url.hostname),
    port: url.port === '' ? undefined : Number(url.port),
    path: `${url.pathname}${url.search}`,
    auth: credentials(url),
    method: 'POST',
    headers: {
      ...request.headers,
      // After the caller's headers so they cannot contradict the body that is actually sent.
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(request.body)),
      'user-agent': options.userAgent,
    },
    // A fresh connection each time: every attempt resolves and is checked anew, and no pooled
    // socket outlives the sender.
    agent: false,
    lookup: options.lookup,
    signal: options.signal,
  });
}

function responseOf(req: ClientRequest): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    req.on('response', resolve);
    // Stays attached: an error after the response (the deadline, a reset) must not go unhandled.
    req.on('error', reject);
  });
}

async function discardBody(res: IncomingMessage): Promise<void> {
  let received = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    received += chunk.length;
    if (received >= MAX_RESPONSE_BODY_BYTES) break;
  }
}

function responseResult(res: IncomingMessage): PostResult {
  const { 'retry-after': retryAfter, location } = res.headers;
  return {
    kind: 'response',
    status: res.statusCode ?? 0,
    ...(retryAfter === undefined ? {} : { retryAfter }),
    ...(location === undefined ? {} : { location }),
  };
}

function errorResult(error: unknown, options: PostOptions): PostResult {
  if (error instanceof DestinationRefusedError) return { kind: 'refused', reason: error.reason };
  if (options.signal.aborted) {
    return { kind: 'failed', reason: `timed out after ${options.timeoutMs} ms`, timedOut: true };
  }
  const reason = error instanceof Error ? error.message : String(error);
  return { kind: 'failed', reason, timedOut: false };
}

/** Basic credentials written into the URL (`https://user:pass@host/`), as receivers expect. */
function credentials(url: URL): string | undefined {
  if (url.username === '' && url.password === '') return undefined;
  return `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
}
