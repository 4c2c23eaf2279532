import { ServiceMetrics } from '@tessera/platform-metrics';
import { PrometheusScrape } from '@tessera/testing';
import type { MongoClient } from 'mongodb';
import { EventEmitter } from 'node:events';
import { StoreMetrics } from './store-metrics';

describe('StoreMetrics', () => {
  it("times the client's commands by name, database and outcome", async () => {
    const metrics = new ServiceMetrics('enrichment');
    const client = new EventEmitter();
    new StoreMetrics(metrics).monitor(client as unknown as MongoClient);

    client.emit('commandSucceeded', { commandName: 'find', databaseName: 'db', duration: 3 });
    client.emit('commandSucceeded', { commandName: 'find', databaseName: 'db', duration: 40 });
    client.emit('commandFailed', { commandName: 'update', databaseName: 'db', duration: 7 });

    const scrape = PrometheusScrape.parse(await metrics.scrape());
    const find = { command: 'find', database: 'db', outcome: 'ok' };
    expect(scrape.sum('tessera_store_command_duration_seconds_count', find)).toBe(2);
    expect(scrape.sum('tessera_store_command_duration_seconds_sum', find)).toBeCloseTo(0.043);
    expect(
      scrape.sum('tessera_store_command_duration_seconds_bucket', { ...find, le: '0.005' }),
    ).toBe(1);
    expect(
      scrape.sum('tessera_store_command_duration_seconds_count', {
        command: 'update',
        outcome: 'error',
      }),
    ).toBe(1);
  });
});
