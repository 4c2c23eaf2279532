import { LATENCY_BUCKETS_SECONDS, type ServiceMetrics } from '@tessera/platform-metrics';
import type { CommandFailedEvent, CommandSucceededEvent, MongoClient } from 'mongodb';
import type { Histogram } from 'prom-client';

/**
 * Store latency, from the driver's command monitoring: every command the service sends (find,
 * update, insert, aggregate, getMore, ...) is timed by name, database and outcome.
 */
export class StoreMetrics {
  private readonly duration: Histogram<'command' | 'database' | 'outcome'>;

  constructor(metrics: ServiceMetrics) {
    this.duration = metrics.histogram({
      name: 'tessera_store_command_duration_seconds',
      help: 'Time of a store command from send to reply, by command name, database and outcome (ok, or error: the command failed or the connection did)',
      labelNames: ['command', 'database', 'outcome'],
      buckets: LATENCY_BUCKETS_SECONDS,
    });
  }

  /** Times the commands of a client created with `monitorCommands: true`. */
  monitor(client: MongoClient): void {
    client.on('commandSucceeded', (event) => this.observe(event, 'ok'));
    client.on('commandFailed', (event) => this.observe(event, 'error'));
  }

  private observe(event: CommandSucceededEvent | CommandFailedEvent, outcome: string): void {
    this.duration.observe(
      { command: event.commandName, database: event.databaseName, outcome },
      event.duration / 1000,
    );
  }
}
