import type { Connection } from 'mongoose';

/** Ready when the service's database answers a ping. */
export class MongoReadiness {
  readonly name = 'mongo';

  constructor(private readonly connection: Connection) {}

  async check(): Promise<void> {
    const db = this.connection.db;
    if (!db) throw new Error('not connected to the store');
    await db.command({ ping: 1 });
  }
}
