import autocannon from 'autocannon';

export interface HttpLoadOptions {
  url: string;
  writeKey: string;
  /** Request bodies, each sent once, in order; a run never needs more than there are. */
  bodies: Buffer[];
  eventsPerRequest: number;
  connections: number;
  /** Stop after this many seconds; or else after `amount` requests. */
  durationSeconds?: number;
  amount?: number;
}

export interface HttpLoadResult {
  durationSeconds: number;
  requests2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  latencyMs: { p50: number; p90: number; p99: number; mean: number; max: number };
  /** Sums of `accepted` and `duplicates` over the 2xx response bodies. */
  acceptedInBodies: number;
  duplicatesInBodies: number;
  /** 2xx responses that did not say `accepted: <eventsPerRequest>`. */
  shortResponses: number;
  /** Bodies sent a second time because the pool ran out (they come back as duplicates). */
  reusedBodies: number;
  /** Completed requests per second, second by second. */
  perSecond: number[];
  firstErrors: string[];
}

/** POSTs the bodies to /v1/batch with autocannon, keep-alive, pipelining 1. */
export function loadBatchEndpoint(options: HttpLoadOptions): Promise<HttpLoadResult> {
  const { bodies, eventsPerRequest } = options;
  let next = 0;
  let reusedBodies = 0;
  let acceptedInBodies = 0;
  let duplicatesInBodies = 0;
  let shortResponses = 0;
  const firstErrors: string[] = [];
  const perSecond: number[] = [];

  const nextBody = (): Buffer => {
    if (next >= bodies.length) reusedBodies += 1;
    return bodies[next++ % bodies.length];
  };

  const onResponse = (status: number, body: string) => {
    if (status < 200 || status > 299) {
      if (firstErrors.length < 5) firstErrors.push(`${status} ${body.slice(0, 300)}`);
      return;
    }
    const answer = JSON.parse(body) as { accepted?: number; duplicates?: number };
    acceptedInBodies += answer.accepted ?? 0;
    duplicatesInBodies += answer.duplicates ?? 0;
    if (answer.accepted !== eventsPerRequest) shortResponses += 1;
  };

  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        pipelining: 1,
        timeout: 30,
        ...(options.amount ? { amount: options.amount } : { duration: options.durationSeconds }),
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(`${options.writeKey}:`).toString('base64')}`,
        },
        requests: [
          {
            method: 'POST',
            path: '/v1/batch',
            setupRequest: (request) => ({ ...request, body: nextBody() }),
            onResponse,
          },
        ],
      },
      (error, result) => {
        if (error) return reject(error);
        resolve({
          durationSeconds: result.duration,
          requests2xx: result['2xx'],
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          statusCodes: Object.fromEntries(
            Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count]),
          ),
          latencyMs: {
            p50: result.latency.p50,
            p90: result.latency.p90,
            p99: result.latency.p99,
            mean: result.latency.mean,
            max: result.latency.max,
          },
          acceptedInBodies,
          duplicatesInBodies,
          shortResponses,
          reusedBodies,
          // autocannon's last tick, at the stop, always counts 0.
          perSecond: perSecond.slice(0, -1),
          firstErrors,
        });
      },
    );
    instance.on('tick', ({ counter }) => perSecond.push(counter));
    instance.on('reqError', (error) => {
      if (firstErrors.length < 5) firstErrors.push(String(error));
    });
  });
}

/** One `/v1/batch` request of Segment calls, sent as a Segment library would; throws unless 200. */
export async function postBatch(url: string, writeKey: string, batch: object[]): Promise<void> {
  const response = await fetch(`${url}/v1/batch`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ batch }),
  });
  if (response.status !== 200)
    throw new Error(`ingestion answered ${response.status}: ${await response.text()}`);
}
