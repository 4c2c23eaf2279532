import type { FastifyReply } from 'fastify';
import { HealthController } from './health.controller';
import type { ReadinessProbe } from './readiness-probe';

function probe(name: string, check: () => Promise<void>): ReadinessProbe {
  return { name, check };
}

function fakeReply() {
  const reply = { statusCode: 200, status: (code: number) => ((reply.statusCode = code), reply) };
  return reply;
}

describe('HealthController', () => {
  it('answers ready when every probe passes', async () => {
    const controller = new HealthController([
      probe('kafka', async () => {}),
      probe('mongo', async () => {}),
    ]);
    const reply = fakeReply();
    const body = await controller.ready(reply as unknown as FastifyReply);
    expect(reply.statusCode).toBe(200);
    expect(body).toEqual({ status: 'ready', checks: { kafka: 'up', mongo: 'up' } });
  });

  it('answers 503 naming the dependency that is down and why', async () => {
    const controller = new HealthController([
      probe('kafka', async () => {}),
      probe('mongo', async () => {
        throw new Error('connection refused');
      }),
    ]);
    const reply = fakeReply();
    const body = await controller.ready(reply as unknown as FastifyReply);
    expect(reply.statusCode).toBe(503);
    expect(body).toEqual({
      status: 'not-ready',
      checks: { kafka: 'up', mongo: 'down' },
      errors: { mongo: 'connection refused' },
    });
  });

  it('counts a probe that does not answer in time as down', async () => {
    jest.useFakeTimers();
    try {
      const controller = new HealthController([probe('kafka', () => new Promise(() => undefined))]);
      const reply = fakeReply();
      const pending = controller.ready(reply as unknown as FastifyReply);
      await jest.advanceTimersByTimeAsync(3_001);
      const body = await pending;
      expect(reply.statusCode).toBe(503);
      expect(body).toMatchObject({
        checks: { kafka: 'down' },
        errors: { kafka: 'no answer within 3000 ms' },
      });
    } finally {
      jest.useRealTimers();
    }
  });

  it('answers live without consulting any dependency', () => {
    const controller = new HealthController([
      probe('kafka', async () => {
        throw new Error('down');
      }),
    ]);
    expect(controller.live()).toEqual({ status: 'ok' });
  });
});
