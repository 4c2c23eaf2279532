import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkpointMismatch, type Checkpoint } from './checkpoint';
import { CheckpointError } from './checkpoint.error';
import { CheckpointStore } from './checkpoint.store';

const checkpoint: Checkpoint = {
  version: 1,
  file: 'users.csv',
  size: 1234,
  mtimeMs: 1700000000000.5,
  row: 42,
  reportBytes: 100,
  updatedAt: '2025-01-01T00:00:00.000Z',
};

describe('CheckpointStore', () => {
  let directory: string;
  let store: CheckpointStore;

  beforeEach(() => {
    directory = mkdtempSync(path.join(tmpdir(), 'tessera-cli-checkpoint-'));
    store = new CheckpointStore(path.join(directory, 'users.csv.import-checkpoint.json'));
  });

  afterEach(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('reads back what it saved, leaving no temporary file', () => {
    store.save(checkpoint);
    expect(store.load()).toEqual(checkpoint);
    expect(existsSync(`${store.path}.tmp`)).toBe(false);
  });

  it('finds no checkpoint when the file does not exist', () => {
    expect(store.load()).toBeUndefined();
  });

  it('finds no checkpoint once it is removed', () => {
    store.save(checkpoint);
    store.remove();
    expect(store.load()).toBeUndefined();
  });

  it('refuses a file that is not a checkpoint rather than resume from a guess', () => {
    writeFileSync(store.path, '{"row": "12"}');
    expect(() => store.load()).toThrow(CheckpointError);
    writeFileSync(store.path, '{"row": 1');
    expect(() => store.load()).toThrow(/not JSON; remove it or pass --restart/);
  });
});

describe('checkpointMismatch', () => {
  const identity = { file: 'users.csv', size: 1234, mtimeMs: 1700000000000.5 };

  it('accepts the file the checkpoint was written for', () => {
    expect(checkpointMismatch(checkpoint, identity)).toBeUndefined();
  });

  it('refuses a file that changed since', () => {
    expect(checkpointMismatch(checkpoint, { ...identity, size: 2000 })).toContain('changed');
    expect(checkpointMismatch(checkpoint, { ...identity, mtimeMs: 1 })).toContain('changed');
  });

  it('refuses a checkpoint written for another file', () => {
    expect(checkpointMismatch(checkpoint, { ...identity, file: 'orders.csv' })).toContain(
      'written for users.csv',
    );
  });
});
