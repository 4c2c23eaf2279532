import type { LookupAddress } from 'node:dns';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';
import {
  AddressPolicy,
  generateWebhookSecret,
  WebhookSender,
  webhookHeaders,
  type ResolveAll,
  type WebhookSenderOptions,
} from '../src/webhooks';

interface ReceivedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** A real HTTP server on a loopback address, recording every connection and request it gets. */
interface Receiver {
  url: string;
  port: number;
  connections: number;
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

const receivers: Receiver[] = [];

afterEach(async () => {
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});

async function receiver(host: string, handler: Handler, port = 0): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((listening) => server.listen(port, host, listening));
  const listening = (server.address() as AddressInfo).port;
  const received: Receiver = {
    url: `http://${host}:${listening}`,
    port: listening,
    connections: 0,
    requests,
    close: () =>
      new Promise((closed) => {
        // Listeners that never answer hold their connections open.
        for (const socket of sockets) socket.destroy();
        server.close(() => closed());
      }),
  };
  server.on('connection', (socket: Socket) => {
    received.connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  receivers.push(received);
  return received;
}

const answer =
  (status: number, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(status, headers).end('{"ok":true}');
  };

const redirectTo = (status: number, location: string): Handler => answer(status, { location });

const neverAnswer: Handler = () => undefined;

/** A port nothing listens on: a listener's, once it has closed. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as AddressInfo;
  await new Promise((closed) => server.close(closed));
  return port;
}

/** A resolver that answers `addresses` for every name and counts its calls. */
function resolverAnswering(...addresses: string[]): jest.MockedFunction<ResolveAll> {
  const answers: LookupAddress[] = addresses.map((address) => ({ address, family: 4 }));
  return jest.fn<void, Parameters<ResolveAll>>((_hostname, _options, callback) => {
    setImmediate(() => callback(null, answers));
  });
}

function sender(allowlist: string[], options: Partial<WebhookSenderOptions> = {}): WebhookSender {
  return new WebhookSender({
    policy: AddressPolicy.fromAllowlist(allowlist),
    timeoutMs: 5_000,
    maxRedirects: 0,
    userAgent: 'Tessera-Webhooks/test',
    ...options,
  });
}

const body = JSON.stringify({ type: 'profile.updated', data: { userId: 'u-1' } });
const webhook = (url: string) => ({ url, headers: { 'webhook-id': 'msg_1' }, body });

describe('WebhookSender', () => {
  describe('delivery', () => {
    it('delivers to an allowlisted loopback listener and returns its status', async () => {
      const target = await receiver('127.0.0.1', answer(202));

      const outcome = await sender(['127.0.0.1/32']).send(webhook(`${target.url}/hooks`));

      expect(outcome).toMatchObject({ kind: 'response', status: 202 });
      expect(target.requests).toHaveLength(1);
    });

    it('POSTs the body as JSON with the given headers and the user agent', async () => {
      const target = await receiver('127.0.0.1', answer(200));

      await sender(['127.0.0.1']).send(webhook(`${target.url}/hooks?tenant=t1`));

      expect(target.requests[0]).toMatchObject({
        method: 'POST',
        path: '/hooks?tenant=t1',
        body,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Tessera-Webhooks/test',
          'webhook-id': 'msg_1',
        },
      });
    });

    it('keeps the JSON content type when the caller passes another', async () => {
      const target = await receiver('127.0.0.1', answer(200));

      await sender(['127.0.0.1']).send({
        url: target.url,
        headers: { 'Content-Type': 'text/plain' },
        body,
      });

      expect(target.requests[0].headers['content-type']).toBe('application/json');
    });

    it('delivers a signed webhook that the standardwebhooks library verifies', async () => {
      const secret = generateWebhookSecret();
      let verified: unknown;
      const target = await receiver('127.0.0.1', (req, res, received) => {
        verified = new Webhook(secret).verify(received, req.headers as Record<string, string>);
        res.writeHead(204).end();
      });
      const timestamp = Math.floor(Date.now() / 1000);
      const headers = webhookHeaders({ id: 'msg_2', timestamp, body, secrets: [secret] });

      const outcome = await sender(['127.0.0.1']).send({ url: target.url, headers, body });

      expect(outcome).toMatchObject({ kind: 'response', status: 204 });
      expect(verified).toEqual(JSON.parse(body));
    });

    it('returns the Retry-After header of the response', async () => {
      const target = await receiver('127.0.0.1', answer(503, { 'retry-after': '120' }));

      const outcome = await sender(['127.0.0.1']).send(webhook(target.url));

      expect(outcome).toMatchObject({ kind: 'response', status: 503, retryAfter: '120' });
    });

    it('measures the latency of the attempt', async () => {
      const target = await receiver('127.0.0.1', answer(200));

      const outcome = await sender(['127.0.0.1']).send(webhook(target.url));

      expect(outcome.latencyMs).toBeGreaterThan(0);
    });

    it('stops reading a response body after 64 KiB instead of waiting for its end', async () => {
      const target = await receiver('127.0.0.1', (_req, res) => {
        res.writeHead(200).write(Buffer.alloc(128 * 1024));
      });

      const outcome = await sender(['127.0.0.1'], { timeoutMs: 2_000 }).send(webhook(target.url));

      expect(outcome).toMatchObject({ kind: 'response', status: 200 });
    });
  });

  describe('address policy', () => {
    it('refuses 127.0.0.1 without an allowlist entry and never connects', async () => {
      const target = await receiver('127.0.0.1', answer(200));

      const outcome = await sender([]).send(webhook(target.url));

      expect(outcome).toMatchObject({
        kind: 'refused',
        reason: '127.0.0.1 is loopback (127.0.0.0/8)',
      });
      expect(target.connections).toBe(0);
    });

    it('refuses localhost, a name that resolves to loopback, without an allowlist entry', async () => {
      const target = await receiver('127.0.0.1', answer(200));

      const outcome = await sender([]).send(webhook(`http://localhost:${target.port}/`));

      expect(outcome).toMatchObject({
        kind: 'refused',
        reason: expect.stringContaining('localhost resolves to a refused address') as string,
      });
      expect(target.connections).toBe(0);
    });

    it('refuses the cloud metadata address without connecting', async () => {
      const outcome = await sender([]).send(webhook('http://169.254.169.254/latest/meta-data/'));

      expect(outcome).toMatchObject({
        kind: 'refused',
        reason: '169.254.169.254 is link-local (169.254.0.0/16)',
      });
    });

    it('refuses a bracketed IPv6 loopback literal', async () => {
      const target = await receiver('127.0.0.1', answer(200));

      const outcome = await sender(['127.0.0.1']).send(webhook(`http://[::1]:${target.port}/`));

      expect(outcome).toMatchObject({ kind: 'refused', reason: '::1 is loopback (::1/128)' });
    });

    it('refuses an IPv4-mapped IPv6 literal of a loopback address', async () => {
      const target = await receiver('127.0.0.1', answer(200));

      const outcome = await sender([]).send(webhook(`http://[::ffff:127.0.0.1]:${target.port}/`));

      expect(outcome).toMatchObject({ kind: 'refused' });
      expect(target.connections).toBe(0);
    });

    it('refuses a name whose resolved address is not allowlisted (DNS rebinding)', async () => {
      const rebound = await receiver('127.0.0.2', answer(200));
      const resolve = resolverAnswering('127.0.0.2');

      const outcome = await sender(['127.0.0.1/32'], { lookup: resolve }).send(
        webhook(`http://hooks.customer.test:${rebound.port}/`),
      );

      expect(outcome).toMatchObject({
        kind: 'refused',
        reason:
          'hooks.customer.test resolves to a refused address: 127.0.0.2 is loopback (127.0.0.0/8)',
      });
      expect(rebound.connections).toBe(0);
    });

    it('refuses a name when any one of its addresses is refused', async () => {
      const allowed = await receiver('127.0.0.1', answer(200));
      const resolve = resolverAnswering('127.0.0.1', '127.0.0.2');

      const outcome = await sender(['127.0.0.1/32'], { lookup: resolve }).send(
        webhook(`http://hooks.customer.test:${allowed.port}/`),
      );

      expect(outcome).toMatchObject({ kind: 'refused' });
      expect(allowed.connections).toBe(0);
    });

    it('connects to the address it checked, resolving the name once', async () => {
      const checked = await receiver('127.0.0.1', answer(200));
      const swapped = await receiver('127.0.0.2', answer(200), checked.port);
      const answers = ['127.0.0.1', '127.0.0.2'];
      const resolve = jest.fn<void, Parameters<ResolveAll>>((_hostname, _options, callback) => {
        const address = answers.shift() ?? '127.0.0.2';
        setImmediate(() => callback(null, [{ address, family: 4 }]));
      });

      const outcome = await sender(['127.0.0.1/32'], { lookup: resolve }).send(
        webhook(`http://hooks.customer.test:${checked.port}/`),
      );

      expect(outcome).toMatchObject({ kind: 'response', status: 200 });
      expect(resolve).toHaveBeenCalledTimes(1);
      expect(swapped.connections).toBe(0);
    });

    it('delivers to a name whose addresses are all allowlisted', async () => {
      const target = await receiver('127.0.0.1', answer(200));

      const outcome = await sender(['127.0.0.1'], { lookup: resolverAnswering('127.0.0.1') }).send(
        webhook(`http://hooks.customer.test:${target.port}/`),
      );

      expect(outcome).toMatchObject({ kind: 'response', status: 200 });
      expect(target.requests[0].headers.host).toBe(`hooks.customer.test:${target.port}`);
    });
  });

  describe('redirects', () => {
    it('refuses a redirect to an address that is not allowlisted and never connects to it', async () => {
      const internal = await receiver('127.0.0.2', answer(200));
      const front = await receiver('127.0.0.1', redirectTo(302, `${internal.url}/admin`));

      const outcome = await sender(['127.0.0.1/32'], { maxRedirects: 3 }).send(webhook(front.url));

      expect(outcome).toMatchObject({
        kind: 'refused',
        reason: `after a redirect to 127.0.0.2:${internal.port}: 127.0.0.2 is loopback (127.0.0.0/8)`,
      });
      expect(internal.connections).toBe(0);
    });

    it('returns a 302 as a response with its location when redirects are not followed', async () => {
      const next = await receiver('127.0.0.1', answer(200));
      const front = await receiver('127.0.0.1', redirectTo(302, `${next.url}/moved`));

      const outcome = await sender(['127.0.0.1'], { maxRedirects: 0 }).send(webhook(front.url));

      expect(outcome).toMatchObject({
        kind: 'response',
        status: 302,
        location: `${next.url}/moved`,
      });
      expect(next.connections).toBe(0);
    });

    it('follows a redirect to another allowlisted listener and delivers there', async () => {
      const next = await receiver('127.0.0.1', answer(201));
      const front = await receiver('127.0.0.1', redirectTo(307, `${next.url}/moved`));

      const outcome = await sender(['127.0.0.1'], { maxRedirects: 3 }).send(webhook(front.url));

      expect(outcome).toMatchObject({ kind: 'response', status: 201 });
      expect(next.requests).toMatchObject([
        { method: 'POST', path: '/moved', body, headers: { 'webhook-id': 'msg_1' } },
      ]);
    });

    it('POSTs the same body again after a 303', async () => {
      const next = await receiver('127.0.0.1', answer(200));
      const front = await receiver('127.0.0.1', redirectTo(303, `${next.url}/moved`));

      await sender(['127.0.0.1'], { maxRedirects: 1 }).send(webhook(front.url));

      expect(next.requests).toMatchObject([{ method: 'POST', body }]);
    });

    it('follows a relative location against the redirecting URL', async () => {
      const target = await receiver('127.0.0.1', (req, res) => {
        if (req.url === '/old') res.writeHead(308, { location: '/new' }).end();
        else res.writeHead(200).end();
      });

      const outcome = await sender(['127.0.0.1'], { maxRedirects: 1 }).send(
        webhook(`${target.url}/old`),
      );

      expect(outcome).toMatchObject({ kind: 'response', status: 200 });
      expect(target.requests.map((request) => request.path)).toEqual(['/old', '/new']);
    });

    it('returns the last redirect as a response when the allowed hops run out', async () => {
      const last = await receiver('127.0.0.1', answer(200));
      const middle = await receiver('127.0.0.1', redirectTo(302, last.url));
      const front = await receiver('127.0.0.1', redirectTo(302, middle.url));

      const outcome = await sender(['127.0.0.1'], { maxRedirects: 1 }).send(webhook(front.url));

      expect(outcome).toMatchObject({ kind: 'response', status: 302, location: last.url });
      expect(last.connections).toBe(0);
    });

    it('fails a redirect to a protocol other than http and https', async () => {
      const front = await receiver('127.0.0.1', redirectTo(302, 'file:///etc/passwd'));

      const outcome = await sender(['127.0.0.1'], { maxRedirects: 3 }).send(webhook(front.url));

      expect(outcome).toMatchObject({
        kind: 'failed',
        timedOut: false,
        reason: 'redirect: unsupported protocol file:; only http: and https:',
      });
    });
  });

  describe('failures', () => {
    it('fails with timedOut when the listener never answers', async () => {
      const target = await receiver('127.0.0.1', neverAnswer);

      const outcome = await sender(['127.0.0.1'], { timeoutMs: 300 }).send(webhook(target.url));

      expect(outcome).toMatchObject({
        kind: 'failed',
        timedOut: true,
        reason: 'timed out after 300 ms',
      });
    });

    it('fails with timedOut when the response body never ends', async () => {
      const target = await receiver('127.0.0.1', (_req, res) => {
        res.writeHead(200).write('{"partial":');
      });

      const outcome = await sender(['127.0.0.1'], { timeoutMs: 300 }).send(webhook(target.url));

      expect(outcome).toMatchObject({ kind: 'failed', timedOut: true });
    });

    it('fails without timedOut when the connection is refused', async () => {
      const port = await closedPort();

      const outcome = await sender(['127.0.0.1']).send(webhook(`http://127.0.0.1:${port}/`));

      expect(outcome).toMatchObject({
        kind: 'failed',
        timedOut: false,
        reason: expect.stringContaining('ECONNREFUSED') as string,
      });
    });

    it('fails a name that does not resolve', async () => {
      const outcome = await sender([], { lookup: resolverAnswering() }).send(
        webhook('http://nowhere.customer.test/'),
      );

      expect(outcome).toMatchObject({ kind: 'failed', timedOut: false });
    });

    it('fails an ftp URL', async () => {
      const outcome = await sender([]).send(webhook('ftp://files.example.com/hooks'));

      expect(outcome).toMatchObject({
        kind: 'failed',
        timedOut: false,
        reason: 'unsupported protocol ftp:; only http: and https:',
      });
    });

    it('fails a URL that cannot be parsed', async () => {
      const outcome = await sender([]).send(webhook('not a url'));

      expect(outcome).toMatchObject({ kind: 'failed', reason: 'the URL is not valid' });
    });

    it('fails a header value that HTTP cannot carry instead of throwing', async () => {
      const target = await receiver('127.0.0.1', answer(200));

      const outcome = await sender(['127.0.0.1']).send({
        url: target.url,
        headers: { 'x-bad': 'line\r\nbreak' },
        body,
      });

      expect(outcome).toMatchObject({ kind: 'failed', timedOut: false });
      expect(target.connections).toBe(0);
    });
  });
});
