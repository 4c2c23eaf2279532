import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { OPENAPI_DOCUMENT_FILE } from '../src/openapi/openapi-document';
import { ADMIN_TOKEN, IngestionHarness } from './ingestion-harness';

type Json = Record<string, unknown>;
type Method = 'get' | 'post' | 'put' | 'delete';

const METHODS: Method[] = ['get', 'post', 'put', 'delete'];
const DOCUMENT_TEXT = readFileSync(OPENAPI_DOCUMENT_FILE, 'utf8');
const DOCUMENT = JSON.parse(DOCUMENT_TEXT) as Json;

/** The value a local `$ref` (`#/components/...`) points at. */
function resolvePointer(ref: string): unknown {
  if (!ref.startsWith('#/')) throw new Error(`${ref} is not a local reference`);
  return ref
    .slice(2)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, key) => (node as Json | undefined)?.[key], DOCUMENT);
}

function deref<T>(node: T): T {
  const ref = (node as { $ref?: string }).$ref;
  return ref ? deref(resolvePointer(ref) as T) : node;
}

function* walk(node: unknown, path = '#'): Generator<[string, Json]> {
  if (typeof node !== 'object' || node === null) return;
  yield [path, node as Json];
  for (const [key, child] of Object.entries(node)) yield* walk(child, `${path}/${key}`);
}

function operations(): { path: string; method: Method; operation: Json }[] {
  const paths = DOCUMENT.paths as Record<string, Json>;
  return Object.entries(paths).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method]).map((method) => ({
      path,
      method,
      operation: item[method] as Json,
    })),
  );
}

/** Ajv over the document's schemas (OpenAPI 3.1 schemas are JSON Schema 2020-12). */
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
ajv.addSchema({ $id: 'openapi', components: DOCUMENT.components }, 'openapi');

const validators = new Map<unknown, ValidateFunction>();
function validatorOf(schema: unknown): ValidateFunction {
  let validator = validators.get(schema);
  if (!validator) {
    // Inline schemas refer to `#/components/...` of the document, not of themselves.
    const rebased = JSON.parse(
      JSON.stringify(schema).replace(/"\$ref":"#\//g, '"$ref":"openapi#/'),
    ) as object;
    validator = ajv.compile(rebased);
    validators.set(schema, validator);
  }
  return validator;
}

function problemsOf(schema: unknown, value: unknown): string | null {
  const validate = validatorOf(schema);
  return validate(value) ? null : ajv.errorsText(validate.errors, { separator: '\n' });
}

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  body: unknown;
}

/** Fails unless the reply's status is documented for the operation and its body and headers match. */
function expectDocumented(method: Method, path: string, reply: Reply): void {
  const item = (DOCUMENT.paths as Record<string, Json>)[path];
  const operation = item?.[method] as Json | undefined;
  if (!operation) throw new Error(`${method.toUpperCase()} ${path} is not documented`);
  const responses = operation.responses as Record<string, Json>;
  const documented = responses[String(reply.status)];
  if (!documented) {
    throw new Error(
      `${method.toUpperCase()} ${path} answered ${reply.status}, documented: ${Object.keys(responses).join(', ')}`,
    );
  }
  const response = deref(documented);
  for (const [name, header] of Object.entries((response.headers ?? {}) as Record<string, Json>)) {
    if (deref(header).required) expect(reply.headers.get(name)).not.toBeNull();
  }
  const content = response.content as Record<string, { schema: unknown }> | undefined;
  if (!content) {
    expect(reply.text).toBe('');
    return;
  }
  const media = content['application/json'];
  if (!media) return;
  expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
  expect(problemsOf(media.schema, reply.body)).toBeNull();
}

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 with a title, a version and unique operation ids', () => {
    expect(DOCUMENT.openapi).toMatch(/^3\.1\.\d+$/);
    const info = DOCUMENT.info as Json;
    expect(typeof info.title).toBe('string');
    expect(typeof info.version).toBe('string');
    const ids = operations().map(({ operation }) => operation.operationId);
    expect(ids.every((id) => typeof id === 'string')).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('resolves every $ref', () => {
    const dangling = [...walk(DOCUMENT)]
      .filter(([, node]) => typeof node.$ref === 'string')
      .filter(([, node]) => resolvePointer(node.$ref as string) === undefined)
      .map(([path, node]) => `${path}: ${String(node.$ref)}`);
    expect(dangling).toEqual([]);
  });

  it('gives every operation documented responses and only declared security schemes', () => {
    const schemes = Object.keys((DOCUMENT.components as Json).securitySchemes as Json);
    for (const { path, method, operation } of operations()) {
      const statuses = Object.keys(operation.responses as Json);
      expect({ [`${method} ${path}`]: statuses.every((s) => /^[1-5]\d\d$/.test(s)) }).toEqual({
        [`${method} ${path}`]: true,
      });
      for (const requirement of (operation.security ?? []) as Json[]) {
        for (const name of Object.keys(requirement)) expect(schemes).toContain(name);
      }
    }
  });

  it('declares every path template parameter', () => {
    const paths = DOCUMENT.paths as Record<string, Json>;
    for (const { path, operation } of operations()) {
      const templated = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      const declared = [
        ...((paths[path].parameters ?? []) as Json[]),
        ...((operation.parameters ?? []) as Json[]),
      ]
        .map((parameter) => deref(parameter))
        .filter((parameter) => parameter.in === 'path' && parameter.required === true)
        .map((parameter) => parameter.name);
      expect(declared.sort()).toEqual(templated.sort());
    }
  });

  it('compiles every component schema', () => {
    const schemas = (DOCUMENT.components as Json).schemas as Json;
    for (const name of Object.keys(schemas)) {
      expect(() => validatorOf({ $ref: `#/components/schemas/${name}` })).not.toThrow();
    }
  });

  it('gives examples that match their schemas', () => {
    const wrong: string[] = [];
    for (const [path, node] of walk(DOCUMENT)) {
      if (!node.schema || !path.includes('/content/')) continue;
      const examples = [
        ...('example' in node ? [node.example] : []),
        ...Object.values((node.examples ?? {}) as Record<string, Json>).map(
          (example) => deref(example).value,
        ),
      ];
      for (const example of examples) {
        const problems = path.endsWith('/text/plain') ? null : problemsOf(node.schema, example);
        if (problems) wrong.push(`${path}: ${problems}`);
      }
    }
    for (const [name, schema] of Object.entries((DOCUMENT.components as Json).schemas as Json)) {
      for (const example of ((schema as Json).examples ?? []) as unknown[]) {
        const problems = problemsOf({ $ref: `#/components/schemas/${name}` }, example);
        if (problems) wrong.push(`#/components/schemas/${name}: ${problems}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe('the served API', () => {
  let harness: IngestionHarness;
  let source: { id: string; writeKey: string };

  beforeAll(async () => {
    // No source cache: a rate limit set through the admin API applies to the next request.
    harness = await IngestionHarness.start('openapi', { INGEST_SOURCE_CACHE_TTL_MS: '0' });
    source = await harness.createSource();
  }, 60_000);

  afterAll(() => harness.close());

  async function call(
    method: Method,
    path: string,
    options: { auth?: 'admin' | 'writeKey' | 'none'; body?: unknown; writeKey?: string } = {},
  ): Promise<Reply> {
    const auth = options.auth ?? (path.startsWith('/admin') ? 'admin' : 'writeKey');
    const headers: Record<string, string> = {};
    if (auth === 'admin') headers.authorization = `Bearer ${ADMIN_TOKEN}`;
    if (auth === 'writeKey') {
      const key = options.writeKey ?? source.writeKey;
      headers.authorization = `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
    }
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${harness.url}${path}`, {
      method: method.toUpperCase(),
      headers,
      body:
        options.body === undefined
          ? undefined
          : typeof options.body === 'string'
            ? options.body
            : JSON.stringify(options.body),
    });
    const text = await response.text();
    const isJson = response.headers.get('content-type')?.startsWith('application/json');
    return {
      status: response.status,
      headers: response.headers,
      text,
      body: isJson && text ? (JSON.parse(text) as unknown) : text,
    };
  }

  it('serves docs/openapi.json unchanged at GET /openapi.json', async () => {
    const reply = await call('get', '/openapi.json', { auth: 'none' });

    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
    expect(reply.text).toBe(DOCUMENT_TEXT);
  });

  it('answers the collection calls as documented: accepted, duplicate, rejected, unauthorized', async () => {
    const messageId = randomUUID();
    const track = { userId: 'u-openapi', event: 'Documented', messageId };

    const accepted = await call('post', '/v1/track', { body: track });
    expect(accepted.body).toEqual({ success: true, accepted: 1, duplicates: 0 });
    expectDocumented('post', '/v1/track', accepted);

    const duplicate = await call('post', '/v1/track', { body: track });
    expect(duplicate.body).toEqual({ success: true, accepted: 0, duplicates: 1 });
    expectDocumented('post', '/v1/track', duplicate);

    const invalid = await call('post', '/v1/identify', { body: { traits: { plan: 'pro' } } });
    expect(invalid.status).toBe(400);
    expectDocumented('post', '/v1/identify', invalid);

    const malformed = await call('post', '/v1/page', { body: '{"userId": ' });
    expect(malformed.body).toMatchObject({ error: 'invalid_json' });
    expectDocumented('post', '/v1/page', malformed);

    const unauthorized = await call('post', '/v1/screen', {
      body: { userId: 'u' },
      writeKey: 'tsk_unknown',
    });
    expect(unauthorized.status).toBe(401);
    expectDocumented('post', '/v1/screen', unauthorized);
  });

  it('answers a partly valid batch with 400 listing the rejected calls, as documented', async () => {
    const reply = await call('post', '/v1/batch', {
      body: {
        batch: [
          { type: 'group', userId: 'u-openapi', groupId: 'g-1' },
          { type: 'alias', userId: 'u-openapi' },
        ],
      },
    });

    expect(reply.body).toMatchObject({ accepted: 1, rejected: [{ index: 1 }] });
    expectDocumented('post', '/v1/batch', reply);
  });

  it('answers 429 with Retry-After once a source is over its rate limit, as documented', async () => {
    const limited = await harness.createSource();
    const limit = await call('put', `/admin/sources/${limited.id}/rate-limit`, {
      body: { eventsPerSecond: 1, burst: 1 },
    });
    expectDocumented('put', '/admin/sources/{id}/rate-limit', limit);

    const body = { userId: 'u-openapi', event: 'Limited' };
    await call('post', '/v1/track', { body, writeKey: limited.writeKey });
    const reply = await call('post', '/v1/track', { body, writeKey: limited.writeKey });

    expect(reply.status).toBe(429);
    expectDocumented('post', '/v1/track', reply);
  });

  it('answers the admin API as documented', async () => {
    const created = await call('post', '/admin/sources', { body: { name: 'documented' } });
    expect(created.status).toBe(201);
    expectDocumented('post', '/admin/sources', created);
    const { id } = created.body as { id: string };

    const replies: [Method, string, Reply][] = [
      ['get', '/admin/sources', await call('get', '/admin/sources')],
      ['get', '/admin/sources/{id}', await call('get', `/admin/sources/${id}`)],
      ['post', '/admin/sources/{id}/disable', await call('post', `/admin/sources/${id}/disable`)],
      ['post', '/admin/sources/{id}/enable', await call('post', `/admin/sources/${id}/enable`)],
      [
        'post',
        '/admin/sources/{id}/rotate-key',
        await call('post', `/admin/sources/${id}/rotate-key`, { body: { graceSeconds: 60 } }),
      ],
      [
        'put',
        '/admin/sources/{id}/tracking-plan',
        await call('put', `/admin/sources/${id}/tracking-plan`, {
          body: { mode: 'flag', events: { Documented: { type: 'object' } } },
        }),
      ],
      [
        'get',
        '/admin/sources/{id}/tracking-plan',
        await call('get', `/admin/sources/${id}/tracking-plan`),
      ],
      [
        'delete',
        '/admin/sources/{id}/tracking-plan',
        await call('delete', `/admin/sources/${id}/tracking-plan`),
      ],
    ];

    for (const [method, path, reply] of replies) {
      expect({ [`${method} ${path}`]: reply.status }).toEqual({
        [`${method} ${path}`]: method === 'delete' ? 204 : 200,
      });
      expectDocumented(method, path, reply);
    }
  });

  it('answers the admin API errors as documented', async () => {
    const unknown = `src_${'0'.repeat(32)}`;
    const replies: [Method, string, Reply][] = [
      ['get', '/admin/sources', await call('get', '/admin/sources', { auth: 'none' })],
      ['get', '/admin/sources/{id}', await call('get', `/admin/sources/${unknown}`)],
      ['post', '/admin/sources', await call('post', '/admin/sources', { body: { name: ' ' } })],
      [
        'post',
        '/admin/sources/{id}/rotate-key',
        await call('post', `/admin/sources/${source.id}/rotate-key`, {
          body: { graceSeconds: -1 },
        }),
      ],
      [
        'put',
        '/admin/sources/{id}/tracking-plan',
        await call('put', `/admin/sources/${source.id}/tracking-plan`, {
          body: { mode: 'block', events: { Broken: { type: 'no-such-type' } } },
        }),
      ],
      [
        'get',
        '/admin/sources/{id}/tracking-plan',
        await call('get', `/admin/sources/${source.id}/tracking-plan`),
      ],
    ];

    for (const [method, path, reply] of replies) {
      expect(reply.status).toBeGreaterThanOrEqual(400);
      expectDocumented(method, path, reply);
    }
  });

  it('answers the privacy API as documented', async () => {
    const body = { type: 'suppress', identifier: { type: 'email', value: 'Ana@Example.com' } };
    const created = await call('post', '/v1/privacy/requests', { auth: 'admin', body });
    expect(created.status).toBe(202);
    expectDocumented('post', '/v1/privacy/requests', created);
    const { id } = created.body as { id: string };

    const replies: [Method, string, Reply][] = [
      [
        'get',
        '/v1/privacy/requests/{id}',
        await call('get', `/v1/privacy/requests/${id}`, { auth: 'admin' }),
      ],
      [
        'get',
        '/v1/privacy/requests/{id}',
        await call('get', `/v1/privacy/requests/prq_${'0'.repeat(22)}`, { auth: 'admin' }),
      ],
      [
        'get',
        '/v1/privacy/requests/{id}',
        await call('get', `/v1/privacy/requests/${id}`, { auth: 'none' }),
      ],
      [
        'post',
        '/v1/privacy/requests',
        await call('post', '/v1/privacy/requests', {
          auth: 'admin',
          body: { type: 'delete', identifier: { type: 'email', value: 'Ana' } },
        }),
      ],
      [
        'post',
        '/v1/privacy/requests',
        await call('post', '/v1/privacy/requests', { auth: 'none', body }),
      ],
    ];

    expect(replies.map(([, , reply]) => reply.status)).toEqual([200, 404, 401, 400, 401]);
    for (const [method, path, reply] of replies) expectDocumented(method, path, reply);
  });

  it('answers the health endpoints as documented', async () => {
    for (const path of ['/health/live', '/health/ready']) {
      expectDocumented('get', path, await call('get', path, { auth: 'none' }));
    }
    const metrics = await call('get', '/metrics', { auth: 'none' });
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('tessera_ingestion_events_total');
  });
});
