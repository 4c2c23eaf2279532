import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { READINESS_PROBES, runProbe, type ReadinessProbe } from './readiness-probe';

@Controller('health')
export class HealthController {
  constructor(@Inject(READINESS_PROBES) private readonly probes: ReadinessProbe[]) {}

  /** The process is up and its event loop answers. */
  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Every dependency answers: Kafka (and the consumer group, where the service consumes) and the store. */
  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    const results = await Promise.all(this.probes.map((probe) => runProbe(probe)));
    const checks = Object.fromEntries(results.map((result) => [result.name, result.status]));
    const failures = results.filter((result) => result.error);
    if (failures.length > 0) {
      reply.status(HttpStatus.SERVICE_UNAVAILABLE);
      return {
        status: 'not-ready',
        checks,
        errors: Object.fromEntries(failures.map((failure) => [failure.name, failure.error])),
      };
    }
    return { status: 'ready', checks };
  }
}
