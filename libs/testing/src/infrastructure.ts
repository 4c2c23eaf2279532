import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

export interface InfrastructureEndpoints {
  kafkaBrokers: string[];
  mongoUri: string;
  /** Where the endpoints came from, for the test log. */
  origin: 'environment' | 'testcontainers' | 'local-infra';
}

const ROOT = path.resolve(__dirname, '../../..');

/**
 * Finds or starts the infrastructure for a test run: endpoints from KAFKA_BROKERS/MONGODB_URI
 * when both are set; otherwise Kafka and MongoDB in containers where a Docker engine answers;
 * otherwise the project's own install (tools/infra), started if it is not running.
 */
export async function provideInfrastructure(): Promise<InfrastructureEndpoints> {
  const brokers = process.env.KAFKA_BROKERS?.trim();
  const mongoUri = process.env.MONGODB_URI?.trim();
  if (brokers && mongoUri) {
    return { kafkaBrokers: brokers.split(','), mongoUri, origin: 'environment' };
  }
  if (dockerAvailable()) return startContainers();
  return startLocalInfra();
}

function dockerAvailable(): boolean {
  if (!process.env.DOCKER_HOST && !existsSync('/var/run/docker.sock')) return false;
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], {
      stdio: 'ignore',
      timeout: 5_000,
    });
    return true;
  } catch {
    return false;
  }
}

/** Not exercised on the project's own machines, which have no Docker engine. */
async function startContainers(): Promise<InfrastructureEndpoints> {
  const { KafkaContainer } = await import('@testcontainers/kafka');
  const { MongoDBContainer } = await import('@testcontainers/mongodb');
  const [kafka, mongo] = await Promise.all([
    // The Node module drives Confluent's images (Kafka 3.9 inside cp-kafka 7.9).
    new KafkaContainer('confluentinc/cp-kafka:7.9.1').withKraft().start(),
    new MongoDBContainer('mongo:8').start(),
  ]);
  return {
    kafkaBrokers: [`${kafka.getHost()}:${kafka.getMappedPort(9093)}`],
    mongoUri: `${mongo.getConnectionString()}/?directConnection=true`,
    origin: 'testcontainers',
  };
}

function startLocalInfra(): InfrastructureEndpoints {
  execFileSync('bash', [path.join(ROOT, 'tools/infra/infra.sh'), 'up'], { stdio: 'inherit' });
  const kafkaPort = process.env.KAFKA_PORT ?? '9092';
  const mongoPort = process.env.MONGO_PORT ?? '27017';
  return {
    kafkaBrokers: [`127.0.0.1:${kafkaPort}`],
    mongoUri: `mongodb://127.0.0.1:${mongoPort}/`,
    origin: 'local-infra',
  };
}
