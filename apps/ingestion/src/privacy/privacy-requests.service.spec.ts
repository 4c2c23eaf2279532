import type { PrivacyRequest } from '@tessera/contracts';
import { ServiceMetrics } from '@tessera/platform-metrics';
import { IngestionMetrics } from '../collection/ingestion-metrics';
import { loadIngestionConfig } from '../config/ingestion.config';
import {
  PrivacyIdempotencyConflictError,
  PrivacyRequestNotFoundError,
  PrivacyRequestUnavailableError,
} from './privacy-errors';
import type { PrivacyIdempotencyKeysRepository } from './privacy-idempotency-keys.repository';
import type { PrivacyPublisher } from './privacy-publisher';
import type { StoredPrivacyRequest } from './privacy-request';
import type { PrivacyRequestsRepository } from './privacy-requests.repository';
import { IDEMPOTENCY_WINDOW_MS, PrivacyRequestsService } from './privacy-requests.service';

const config = loadIngestionConfig({
  ADMIN_TOKEN: 'a'.repeat(32),
  WRITE_KEY_PEPPER: 'p'.repeat(32),
  PRIVACY_HASH_KEY: 'h'.repeat(32),
});

class FakeRequests {
  readonly stored = new Map<string, StoredPrivacyRequest>();
  async create(request: StoredPrivacyRequest) {
    this.stored.set(request.id, request);
  }
  async remove(id: string) {
    this.stored.delete(id);
  }
  async findById(id: string) {
    return this.stored.get(id) ?? null;
  }
}

class FakeKeys {
  readonly held = new Map<string, { requestId: string; at: Date }>();
  async claim(hash: string, requestId: string, at: Date, validFrom: Date) {
    const holder = this.held.get(hash);
    if (holder && holder.at >= validFrom) return holder.requestId;
    this.held.set(hash, { requestId, at });
    return requestId;
  }
  async release(hash: string, requestId: string) {
    if (this.held.get(hash)?.requestId === requestId) this.held.delete(hash);
  }
}

class FakePublisher {
  readonly published: PrivacyRequest[] = [];
  failing = false;
  async publishRequest(request: PrivacyRequest) {
    if (this.failing) throw new Error('no acknowledgement within 10000 ms');
    this.published.push(request);
  }
}

const input = {
  type: 'suppress' as const,
  identifier: { type: 'email', value: 'ana@example.com' },
};

describe('PrivacyRequestsService', () => {
  let requests: FakeRequests;
  let keys: FakeKeys;
  let publisher: FakePublisher;
  let service: PrivacyRequestsService;

  beforeEach(() => {
    requests = new FakeRequests();
    keys = new FakeKeys();
    publisher = new FakePublisher();
    service = new PrivacyRequestsService(
      requests as unknown as PrivacyRequestsRepository,
      keys as unknown as PrivacyIdempotencyKeysRepository,
      publisher as unknown as PrivacyPublisher,
      new IngestionMetrics(new ServiceMetrics('ingestion')),
      config,
    );
  });

  it('stores the identifier as its type and hash only and publishes it in clear', async () => {
    const now = new Date('2026-03-01T10:00:00Z');
    const { request, replayed } = await service.submit(input, { now });

    expect(replayed).toBe(false);
    expect(request.id).toMatch(/^prq_[A-Za-z0-9_-]{22}$/);
    expect(JSON.stringify([...requests.stored.values()])).not.toContain('ana@example.com');
    expect(requests.stored.get(request.id)).toMatchObject({
      type: 'suppress',
      identifierType: 'email',
      identifierHash: expect.stringMatching(/^[0-9a-f]{64}$/) as string,
      services: { identity: { status: 'pending' } },
    });
    expect(publisher.published).toEqual([
      {
        requestId: request.id,
        type: 'suppress',
        identifier: input.identifier,
        requestedAt: now.getTime(),
      },
    ]);
  });

  it('keeps nothing and reports Kafka unavailable when the request cannot be published', async () => {
    publisher.failing = true;

    await expect(service.submit(input, { idempotencyKey: 'k-1' })).rejects.toThrow(
      PrivacyRequestUnavailableError,
    );
    expect(requests.stored.size).toBe(0);
    expect(keys.held.size).toBe(0);
  });

  it('answers an Idempotency-Key sent again with the first request, publishing it once', async () => {
    const first = await service.submit(input, { idempotencyKey: 'k-1' });
    const again = await service.submit(input, { idempotencyKey: 'k-1' });

    expect(again).toEqual({ request: first.request, replayed: true });
    expect([...requests.stored.keys()]).toEqual([first.request.id]);
    expect(publisher.published).toHaveLength(1);
  });

  it('makes a new request for a key last used more than 24 hours ago', async () => {
    const start = new Date('2026-03-01T10:00:00Z');
    const first = await service.submit(input, { idempotencyKey: 'k-1', now: start });
    const later = await service.submit(input, {
      idempotencyKey: 'k-1',
      now: new Date(start.getTime() + IDEMPOTENCY_WINDOW_MS + 1),
    });

    expect(later.replayed).toBe(false);
    expect(later.request.id).not.toBe(first.request.id);
  });

  it('refuses a key reused for another request', async () => {
    await service.submit(input, { idempotencyKey: 'k-1' });

    await expect(
      service.submit({ ...input, type: 'delete' }, { idempotencyKey: 'k-1' }),
    ).rejects.toThrow(PrivacyIdempotencyConflictError);
    expect(requests.stored.size).toBe(1);
  });

  it('says which request is unknown', async () => {
    await expect(service.get('prq_nope')).rejects.toThrow(
      new PrivacyRequestNotFoundError('prq_nope'),
    );
  });
});
