import { lookup as dnsLookup } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import { isIpLiteral, unbracketed, type AddressPolicy } from './address-policy';
import { guardedLookup, type ResolveAll } from './guarded-lookup';
import { postOnce, type PostResult } from './post-once';

export interface WebhookSenderOptions {
  policy: AddressPolicy;
  /** The whole attempt, redirects included: connect to the end of the last response body. */
  timeoutMs: number;
  /** 0: redirects are not followed, a 3xx is just a response. */
  maxRedirects: number;
  /** Resolver of host names (tests inject one); dns.lookup by default. */
  lookup?: ResolveAll;
  userAgent: string;
}

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export type WebhookOutcome =
  | { kind: 'response'; status: number; retryAfter?: string; latencyMs: number; location?: string }
  /** The destination is not allowed: nothing was connected to. */
  | { kind: 'refused'; reason: string; latencyMs: number }
  /** A network error, the deadline, or a URL that cannot be delivered to. */
  | { kind: 'failed'; reason: string; timedOut: boolean; latencyMs: number };

type Target = { ok: true; url: URL } | { ok: false; reason: string };

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Makes one delivery attempt of a webhook, refusing destinations the address policy forbids. */
export class WebhookSender {
  private readonly lookup: LookupFunction;

  constructor(private readonly options: WebhookSenderOptions) {
    this.lookup = guardedLookup(options.lookup ?? dnsLookup, options.policy);
  }

  /** Never throws: every problem is an outcome the caller can record and schedule a retry for. */
  async send(request: WebhookRequest): Promise<WebhookOutcome> {
    const started = performance.now();
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.options.timeoutMs);
    try {
      const result = await this.deliver(request, deadline.signal);
      return { ...result, latencyMs: performance.now() - started };
    } catch (error) {
      const reason = `unexpected error: ${error instanceof Error ? error.message : String(error)}`;
      return { kind: 'failed', reason, timedOut: false, latencyMs: performance.now() - started };
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Follows redirects by POSTing the same body and headers again, for 301, 302 and 303 too (where
   * browsers switch to GET): a webhook is only meaningful as the POST the receiver asked for.
   */
  private async deliver(request: WebhookRequest, signal: AbortSignal): Promise<PostResult> {
    let target = parseTarget(request.url);
    for (let redirects = 0; ; redirects += 1) {
      if (!target.ok) return failed(redirects === 0 ? target.reason : `redirect: ${target.reason}`);
      const result = await this.post(target.url, request, signal);
      if (redirects > 0 && result.kind !== 'response') {
        return { ...result, reason: `after a redirect to ${target.url.host}: ${result.reason}` };
      }
      const location = redirects < this.options.maxRedirects ? redirectLocation(result) : undefined;
      if (location === undefined) return result;
      target = parseTarget(location, target.url);
    }
  }

  /** Node connects to an IP literal without calling `lookup`, so literals are checked here. */
  private post(url: URL, request: WebhookRequest, signal: AbortSignal): Promise<PostResult> {
    const host = unbracketed(url.hostname);
    if (isIpLiteral(host)) {
      const verdict = this.options.policy.check(host);
      if (!verdict.allowed) return Promise.resolve({ kind: 'refused', reason: verdict.reason });
    }
    return postOnce(url, request, {
      lookup: this.lookup,
      userAgent: this.options.userAgent,
      signal,
      timeoutMs: this.options.timeoutMs,
    });
  }
}

function parseTarget(text: string, base?: URL): Target {
  let url: URL;
  try {
    url = new URL(text, base);
  } catch {
    return { ok: false, reason: 'the URL is not valid' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, reason: `unsupported protocol ${url.protocol}; only http: and https:` };
  }
  return { ok: true, url };
}

function redirectLocation(result: PostResult): string | undefined {
  if (result.kind !== 'response' || !REDIRECT_STATUSES.has(result.status)) return undefined;
  return result.location;
}

function failed(reason: string): PostResult {
  return { kind: 'failed', reason, timedOut: false };
}
