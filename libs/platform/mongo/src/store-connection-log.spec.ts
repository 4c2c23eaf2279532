import { Logger } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { HEARTBEAT_FAILURE_LOG_EVERY_MS, StoreConnectionLog } from './store-connection-log';

describe('StoreConnectionLog', () => {
  let warn: jest.SpyInstance;
  let log: jest.SpyInstance;
  let clock: number;
  let client: EventEmitter;

  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    clock = 1_000_000;
    client = new EventEmitter();
    new StoreConnectionLog(() => clock).watch(client as never);
  });

  afterEach(() => jest.restoreAllMocks());

  const heartbeatFailed = (message: string) =>
    client.emit('serverHeartbeatFailed', {
      connectionId: '127.0.0.1:27017',
      failure: new Error(message),
    });

  it('logs the store going away and coming back, with the reason', () => {
    const described = (before: string, after: string, error?: string) =>
      client.emit('serverDescriptionChanged', {
        address: '127.0.0.1:27017',
        previousDescription: { type: before },
        newDescription: { type: after, error: error ? new Error(error) : null },
      });
    described('Standalone', 'Standalone');
    described('Standalone', 'Unknown', 'connection 3 to 127.0.0.1:27017 closed');
    described('Unknown', 'Standalone');
    expect(warn.mock.calls.map(([message]) => String(message))).toEqual([
      'store 127.0.0.1:27017: Standalone -> Unknown (connection 3 to 127.0.0.1:27017 closed)',
      'store 127.0.0.1:27017: Unknown -> Standalone',
    ]);
  });

  it('logs failing heartbeats once, again while they go on, and when they succeed again', () => {
    heartbeatFailed('connect ECONNREFUSED 127.0.0.1:27017');
    clock += 5_000;
    heartbeatFailed('connect ECONNREFUSED 127.0.0.1:27017');
    clock += HEARTBEAT_FAILURE_LOG_EVERY_MS;
    heartbeatFailed('connection timed out');
    clock += 1_000;
    client.emit('serverHeartbeatSucceeded', {});
    client.emit('serverHeartbeatSucceeded', {});
    expect(warn.mock.calls.map(([message]) => String(message))).toEqual([
      'store 127.0.0.1:27017: heartbeats failing for 0 s: connect ECONNREFUSED 127.0.0.1:27017',
      'store 127.0.0.1:27017: heartbeats failing for 35 s: connection timed out',
    ]);
    expect(log.mock.calls.map(([message]) => String(message))).toEqual([
      'store heartbeats succeed again after 36 s',
    ]);
  });
});
