import { provideInfrastructure } from './infrastructure';

/** Jest global set-up of the integration and end-to-end tiers: workers inherit the endpoints. */
export default async function globalSetup(): Promise<void> {
  const endpoints = await provideInfrastructure();
  process.env.KAFKA_BROKERS = endpoints.kafkaBrokers.join(',');
  process.env.MONGODB_URI = endpoints.mongoUri;
  process.stdout.write(
    `\ninfrastructure (${endpoints.origin}): kafka ${process.env.KAFKA_BROKERS}, store ${endpoints.mongoUri}\n`,
  );
}
