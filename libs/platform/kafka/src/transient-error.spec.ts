import { MongoBulkWriteError, MongoNetworkError, MongoServerSelectionError } from 'mongodb';
import { isTransientError, TransientError } from './transient-error';

describe('isTransientError', () => {
  it('knows the infrastructure errors by name, and through a cause', () => {
    expect(isTransientError(new TransientError('store away'))).toBe(true);
    expect(isTransientError(new MongoNetworkError('connection closed'))).toBe(true);
    expect(isTransientError(new Error('wrapped', { cause: new MongoNetworkError('x') }))).toBe(
      true,
    );
    expect(isTransientError(new Error('Operation `x.find()` buffering timed out'))).toBe(true);
  });

  it('sees the interruption a MongoBulkWriteError wraps (an insertMany or bulkWrite cut off)', () => {
    const dropped = new MongoBulkWriteError(new MongoNetworkError('closed'), {} as never);
    const unselected = new MongoBulkWriteError(
      new MongoServerSelectionError('no server', {} as never),
      {} as never,
    );
    expect(dropped.name).toBe('MongoBulkWriteError');
    expect(isTransientError(dropped)).toBe(true);
    expect(isTransientError(unselected)).toBe(true);
  });

  it('leaves errors about the data alone', () => {
    const duplicate = new MongoBulkWriteError(
      { message: 'E11000 duplicate key', code: 11000, writeErrors: [] },
      {} as never,
    );
    expect(isTransientError(duplicate)).toBe(false);
    expect(isTransientError(new Error('invalid record'))).toBe(false);
    expect(isTransientError('a string')).toBe(false);
  });
});
