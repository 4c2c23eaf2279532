import { Test } from '@nestjs/testing';
import { getConnectionToken } from '@nestjs/mongoose';
import { isTransientError } from '@tessera/platform-kafka';
import { MetricsModule } from '@tessera/platform-metrics';
import { TestRun } from '@tessera/testing';
import type { Connection } from 'mongoose';
import { MongoModule, MongoReadiness } from '../src';

describe('MongoModule against the real store', () => {
  const run = TestRun.create('platform-mongo');

  afterAll(() => run.cleanup());

  it('connects to the configured database and answers readiness', async () => {
    const database = run.database('tessera_mongo_test');
    const module = await Test.createTestingModule({
      imports: [
        MetricsModule.forRoot('test'),
        MongoModule.forRoot({ uri: run.mongoUri, database }),
      ],
    }).compile();
    const app = await module.init();
    try {
      await expect(app.get(MongoReadiness).check()).resolves.toBeUndefined();
      const connection = app.get<Connection>(getConnectionToken());
      expect(connection.db?.databaseName).toBe(database);
      await connection.collection('probe').insertOne({ _id: 'one' as never, n: 1 });
      expect(await connection.collection('probe').findOne({ _id: 'one' as never })).toEqual({
        _id: 'one',
        n: 1,
      });
    } finally {
      await app.close();
    }
  });

  it('fails operations at once with a transient error while the store is gone', async () => {
    const module = await Test.createTestingModule({
      imports: [
        MetricsModule.forRoot('test'),
        MongoModule.forRoot({ uri: run.mongoUri, database: run.database('tessera_mongo_gone') }),
      ],
    }).compile();
    const app = await module.init();
    const connection = app.get<Connection>(getConnectionToken());
    await connection.close();
    const error = await connection
      .collection('probe')
      .findOne({})
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );
    expect(error).toBeInstanceOf(Error);
    expect(isTransientError(error)).toBe(true);
    await expect(app.get(MongoReadiness).check()).rejects.toThrow();
    await app.close();
  });
});
