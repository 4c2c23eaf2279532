import {
  Inject,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { INGESTION_CONFIG } from '../config/ingestion-config.token';
import type { IngestionConfig } from '../config/ingestion.config';

/** The admin API takes `Authorization: Bearer <ADMIN_TOKEN>`; compared in constant time. */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(@Inject(INGESTION_CONFIG) config: IngestionConfig) {
    this.expected = digest(config.adminToken);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    if (match && timingSafeEqual(digest(match[1]), this.expected)) return true;
    throw new UnauthorizedException({
      error: 'unauthorized',
      message: 'a valid admin token is required',
    });
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
