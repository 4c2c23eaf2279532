import { identifierHash } from '@tessera/identity';
import { ServiceMetrics } from '@tessera/platform-metrics';
import { anEvent } from '@tessera/testing';
import { IngestionMetrics } from '../collection/ingestion-metrics';
import { loadIngestionConfig } from '../config/ingestion.config';
import { SuppressionList } from './suppression-list';
import type { SuppressionsRepository } from './suppressions.repository';

const config = loadIngestionConfig({
  ADMIN_TOKEN: 'a'.repeat(32),
  WRITE_KEY_PEPPER: 'p'.repeat(32),
  PRIVACY_HASH_KEY: 'h'.repeat(32),
});
const hashOf = (type: string, value: string) =>
  identifierHash({ type, value }, config.privacyHashKey);

class FakeStore {
  hashes: string[] = [];
  failing = false;
  /** When set, a read waits for it: a reload in flight. */
  gate: Promise<void> | null = null;

  async allHashes(): Promise<string[]> {
    if (this.gate) await this.gate;
    if (this.failing) throw new Error('store unreachable');
    return [...this.hashes];
  }
}

function listOver(store: FakeStore): SuppressionList {
  return new SuppressionList(
    store as unknown as SuppressionsRepository,
    new IngestionMetrics(new ServiceMetrics('ingestion')),
    config,
  );
}

describe('SuppressionList', () => {
  it('suppresses an event carrying a suppressed identifier in any place identity reads', async () => {
    const store = new FakeStore();
    store.hashes = [hashOf('email', 'ana@example.com'), hashOf('user_id', 'u-ana')];
    const list = listOver(store);
    await list.reload();

    const inContextTraits = anEvent({
      userId: null,
      anonymousId: 'a-1',
      context: { traits: { email: ' Ana@Example.COM' } },
    });
    const byUserId = anEvent({ userId: 'u-ana' });
    const unrelated = anEvent({ userId: 'u-bob' });

    expect(list.suppresses(inContextTraits)).toBe(true);
    expect(list.suppresses(byUserId)).toBe(true);
    expect(list.suppresses(unrelated)).toBe(false);
  });

  it('suppresses an alias call whose previousId is a suppressed user or anonymous id', async () => {
    const store = new FakeStore();
    store.hashes = [hashOf('anonymous_id', 'a-ana')];
    const list = listOver(store);
    await list.reload();

    expect(list.suppresses(anEvent({ type: 'alias', userId: 'u-new', previousId: 'a-ana' }))).toBe(
      true,
    );
    expect(list.suppresses(anEvent({ type: 'alias', userId: 'u-new', previousId: 'a-bob' }))).toBe(
      false,
    );
  });

  it('keeps the last list when a reload fails, and counts the failure', async () => {
    const store = new FakeStore();
    store.hashes = [hashOf('user_id', 'u-ana')];
    const metrics = new ServiceMetrics('ingestion');
    const list = new SuppressionList(
      store as unknown as SuppressionsRepository,
      new IngestionMetrics(metrics),
      config,
    );
    await list.reload();
    store.failing = true;

    await list.reload();

    expect(list.suppresses(anEvent({ userId: 'u-ana' }))).toBe(true);
    expect(await metrics.scrape()).toMatch(
      /^tessera_ingestion_suppression_reload_failures_total 1$/m,
    );
  });

  it('refuses to start when the list cannot be loaded', async () => {
    const store = new FakeStore();
    store.failing = true;
    await expect(listOver(store).onModuleInit()).rejects.toThrow('store unreachable');
  });

  it('applies its own changes at once and keeps them over a reload that read before them', async () => {
    const store = new FakeStore();
    const list = listOver(store);
    let open: () => void = () => undefined;
    store.gate = new Promise((resolve) => (open = resolve));
    const reload = list.reload();

    list.add([hashOf('user_id', 'u-ana')]);
    expect(list.suppresses(anEvent({ userId: 'u-ana' }))).toBe(true);
    open();
    await reload;

    expect(list.suppresses(anEvent({ userId: 'u-ana' }))).toBe(true);
  });

  it('lifts removed hashes at once', async () => {
    const store = new FakeStore();
    store.hashes = [hashOf('user_id', 'u-ana')];
    const list = listOver(store);
    await list.reload();

    list.remove([hashOf('user_id', 'u-ana')]);

    expect(list.suppresses(anEvent({ userId: 'u-ana' }))).toBe(false);
  });
});
