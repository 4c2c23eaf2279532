import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { Writable } from 'node:stream';
import type { LevelWithSilent } from 'pino';
import { createLogger } from './create-logger';
import { PinoNestLogger } from './pino-nest-logger';

function capture() {
  const raw: string[] = [];
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw.push(chunk.toString());
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { raw, lines, stream };
}

function loggerWithLines(level: LevelWithSilent = 'info') {
  const { raw, lines, stream } = capture();
  return { logger: createLogger('identity', level, stream), raw, lines };
}

const EMAIL = 'ada.lovelace+crm@example.co.uk';
const PHONE = '+4915112345678';

describe('createLogger', () => {
  const manager = new AsyncLocalStorageContextManager();
  beforeAll(() => context.setGlobalContextManager(manager.enable()));
  afterAll(() => context.disable());

  it('writes JSON lines naming the service, with level, time and message', () => {
    const { logger, lines } = loggerWithLines();
    logger.info('hello');
    expect(lines[0]).toMatchObject({ service: 'identity', msg: 'hello', level: 30 });
    expect(typeof lines[0].time).toBe('string');
    expect(lines[0]).not.toHaveProperty('trace_id');
  });

  it('carries the trace and span ids of the active span', () => {
    const { logger, lines } = loggerWithLines();
    const spanContext = {
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: TraceFlags.SAMPLED,
    };
    context.with(trace.setSpanContext(context.active(), spanContext), () => logger.info('inside'));
    expect(lines[0]).toMatchObject({ trace_id: spanContext.traceId, span_id: spanContext.spanId });
  });

  it('writes nothing below the configured level', () => {
    const { logger, lines } = loggerWithLines('warn');
    logger.debug('detail');
    logger.info('routine');
    logger.warn('attention');
    expect(lines.map((line) => line.msg)).toEqual(['attention']);
  });

  it('writes debug lines when the level is debug', () => {
    const { logger, lines } = loggerWithLines('debug');
    logger.debug('detail');
    expect(lines).toEqual([expect.objectContaining({ level: 20, msg: 'detail' })]);
  });
});

describe('createLogger redaction', () => {
  it('censors personal fields at the top level and one level down', () => {
    const { logger, lines } = loggerWithLines();
    logger.info(
      {
        userId: 'user-7781',
        anonymousId: 'anon-1123',
        traits: { name: 'Ada Lovelace' },
        event: { properties: { street: '12 St James Square' }, messageId: 'm-1' },
        profileId: 'p_0001',
      },
      'folded',
    );
    expect(lines[0]).toMatchObject({
      userId: '[redacted]',
      anonymousId: '[redacted]',
      traits: '[redacted]',
      event: { properties: '[redacted]', messageId: 'm-1' },
      profileId: 'p_0001',
    });
  });

  it('censors identifier values but keeps their types', () => {
    const { logger, lines } = loggerWithLines();
    logger.warn(
      {
        identifiers: [{ type: 'user_id', value: 'user-7781' }],
        merge: { identifier: { type: 'crm_id', value: 'c-9' } },
      },
      'limit reached',
    );
    expect(lines[0]).toMatchObject({
      identifiers: [{ type: 'user_id', value: '[redacted]' }],
      merge: { identifier: { type: 'crm_id', value: '[redacted]' } },
    });
  });

  it('censors credentials: authorization headers, passwords, webhook secrets, write keys', () => {
    const { logger, raw } = loggerWithLines();
    logger.error(
      {
        req: { headers: { authorization: 'Bearer admin-token-0123456789', cookie: 'sid=s3cr3t' } },
        mongo: { password: 'hunter2' },
        subscription: { id: 'sub_1', secret: 'whsec_c2VjcmV0' },
        source: { writeKey: 'wk_live_abc' },
      },
      'refused',
    );
    for (const secret of [
      'admin-token-0123456789',
      's3cr3t',
      'hunter2',
      'whsec_c2VjcmV0',
      'wk_live_abc',
    ])
      expect(raw[0]).not.toContain(secret);
    expect(raw[0]).toContain('sub_1');
  });

  it('scrubs emails and phone numbers out of messages and errors', () => {
    const { logger, raw, lines } = loggerWithLines();
    logger.warn(`lookup of ${EMAIL} and ${PHONE} failed`);
    logger.warn({ err: new Error(`Value is not valid: got "${EMAIL}"`) }, 'batch not processed');
    logger.warn({ reason: `phone +1 (415) 555-0100 refused` }, 'parked');
    const text = raw.join('');
    expect(text).not.toContain(EMAIL);
    expect(text).not.toContain('example.co.uk');
    expect(text).not.toContain(PHONE);
    expect(text).not.toContain('555-0100');
    expect(lines[0].msg).toBe('lookup of [email] and [phone] failed');
  });

  it('drops the key of a MongoDB duplicate-key error, in its message and its fields', () => {
    const { logger, raw } = loggerWithLines();
    const error = Object.assign(
      new Error(
        'E11000 duplicate key error collection: tessera.links index: _id_ dup key: { _id: "user_id:user-7781" }',
      ),
      { code: 11000, keyValue: { _id: 'user_id:user-7781' } },
    );
    logger.error({ err: error }, 'handler failed');
    expect(raw[0]).not.toContain('user-7781');
    expect(raw[0]).toContain('E11000 duplicate key error');
  });

  it('hides credentials written into a URL', () => {
    const { logger, raw } = loggerWithLines();
    logger.warn('webhook https://hook-user:p4ssw0rd@hooks.example.net/in answered 500');
    expect(raw[0]).not.toContain('p4ssw0rd');
    expect(raw[0]).not.toContain('hook-user');
    expect(JSON.parse(raw[0])).toMatchObject({
      msg: 'webhook https://[redacted]@hooks.example.net/in answered 500',
    });
  });

  it('leaves ids, counts, package paths and timestamps alone', () => {
    const { logger, lines } = loggerWithLines();
    const message =
      'profile p_01HX subscription sub_9 event 3f1c-77: 12 of 500 at 2025-01-01T10:00:00+01:00 in /app/node_modules/@nestjs/core/x.js';
    logger.info({ count: 1234567890, offset: '98765432' }, message);
    expect(lines[0]).toMatchObject({ msg: message, count: 1234567890, offset: '98765432' });
  });

  it('scrubs what NestJS loggers write through PinoNestLogger', () => {
    const { logger, raw } = loggerWithLines();
    const nest = new PinoNestLogger(logger);
    nest.log(`answering 503 for ${EMAIL}`, 'CollectionController');
    nest.error(`unexpected ${PHONE}`, `Error: unexpected ${PHONE}\n    at x`, 'ExceptionsHandler');
    expect(raw.join('')).not.toContain(EMAIL);
    expect(raw.join('')).not.toContain(PHONE);
  });
});
