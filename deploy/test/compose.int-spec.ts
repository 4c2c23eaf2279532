import path from 'node:path';
import {
  checkBuilds,
  checkHostNames,
  checkImagesPinned,
  checkKafkaListeners,
  checkPublishedPorts,
  checkReferences,
  checkStopGracePeriods,
  checkVariablesRead,
  checkVolumes,
  COMPOSE_FILE,
  composeSchemaFile,
  environmentOf,
  interpolate,
  loadServiceConfigs,
  readCompose,
  schemaErrors,
  tesseraServices,
  type ComposeFile,
} from './compose-checks';

const COMPOSE_DIR = path.dirname(COMPOSE_FILE);

/** The file as `docker compose` sees it with no variable set in the shell or an .env file. */
function interpolated(document: unknown): ComposeFile {
  return interpolate(document, {}, []) as ComposeFile;
}

/** A deep copy to break. */
function copy<T>(value: T): T {
  return structuredClone(value);
}

describe('deploy/compose/compose.yaml', () => {
  let schemaFile: string;
  let document: Record<string, unknown>;
  let compose: ComposeFile;

  beforeAll(() => {
    schemaFile = composeSchemaFile();
    document = readCompose() as Record<string, unknown>;
    compose = interpolated(document);
  });

  describe('syntax', () => {
    it("is valid against the Compose Specification's JSON schema (compose-go v2.16.2)", () => {
      expect(schemaErrors(document, schemaFile)).toEqual([]);
    });

    it('fails the schema with a misspelt key, an unknown depends_on condition or ports that are no list', () => {
      const broken = copy(document) as { services: Record<string, Record<string, unknown>> };
      broken.services.ingestion.depend_on = ['kafka'];
      broken.services.identity.depends_on = { kafka: { condition: 'service_ready' } };
      broken.services.jaeger.ports = '16686:16686';

      const errors = schemaErrors(broken, schemaFile).join('\n');

      expect(errors).toMatch(/\/services\/ingestion .*unevaluatedProperty.*depend_on/);
      expect(errors).toMatch(/\/services\/identity\/depends_on\/kafka\/condition/);
      expect(errors).toMatch(/\/services\/jaeger\/ports must be array/);
    });

    it('runs with no variable set: every ${VARIABLE} has a default', () => {
      const problems: string[] = [];
      interpolate(document, {}, problems);

      expect(problems).toEqual([]);
    });

    it('reports a variable without a default, and takes a set one over the default', () => {
      const problems: string[] = [];
      const result = interpolate(
        { a: '${MISSING}', b: '${GIVEN:-fallback}', c: '$${LITERAL}' },
        { GIVEN: 'given' },
        problems,
      );

      expect(result).toEqual({ a: '', b: 'given', c: '${LITERAL}' });
      expect(problems).toEqual(['${MISSING} has no default and MISSING is not set']);
    });
  });

  describe('services named', () => {
    it('names in depends_on, links and host:port references only services it has', () => {
      expect(checkReferences(compose)).toEqual([]);
      expect(checkHostNames(compose, COMPOSE_DIR)).toEqual([]);
    });

    it('reports a dependency on a missing service, a wait for health without a healthcheck and an unknown host', () => {
      const broken = copy(compose);
      broken.services.enrichment.depends_on = {
        kafka: { condition: 'service_healthy' },
        redis: { condition: 'service_started' },
        jaeger: { condition: 'service_healthy' },
      };
      broken.services.activation.links = ['zookeeper'];
      broken.services.identity.environment = {
        ...environmentOf(broken.services.identity),
        MONGODB_URI: 'mongodb://mongodb:27017/',
      };

      expect(checkReferences(broken)).toEqual([
        'enrichment depends on redis, which is no service',
        'enrichment waits for jaeger to be healthy, but jaeger has no healthcheck',
        'activation refers to zookeeper, which is no service',
      ]);
      expect(checkHostNames(broken, COMPOSE_DIR)).toEqual([
        'identity environment MONGODB_URI names mongodb:27017, but mongodb is no service',
      ]);
    });

    it('checks the host names in the files it mounts: collector exporter, replica set member, scrape targets', () => {
      const broken = copy(compose);
      delete broken.services.jaeger;
      delete broken.services.mongo;
      delete broken.services.activation;

      expect(checkHostNames(broken, COMPOSE_DIR)).toEqual(
        expect.arrayContaining([
          'otel-collector mounted file ./otel-collector.yaml names jaeger:4317, but jaeger is no service',
          'mongo-init mounted file ./mongo-init.js names mongo:27017, but mongo is no service',
          'prometheus mounted file ./prometheus.yml names activation:8083, but activation is no service',
        ]),
      );
    });

    it('points every KAFKA_BROKERS entry at a listener Kafka advertises', () => {
      expect(checkKafkaListeners(compose)).toEqual([]);

      const broken = copy(compose);
      broken.services.kafka.environment = {
        ...environmentOf(broken.services.kafka),
        KAFKA_ADVERTISED_LISTENERS: 'PLAINTEXT://localhost:9092',
      };
      expect(checkKafkaListeners(broken)).toContain(
        'ingestion KAFKA_BROKERS kafka:9092 is no advertised Kafka listener',
      );
    });
  });

  describe('the Tessera services', () => {
    const environments = (file: ComposeFile) =>
      Object.fromEntries(
        [...tesseraServices(file, COMPOSE_DIR)].map(([name, app]) => [
          app,
          environmentOf(file.services[name]),
        ]),
      );

    it('builds each app in apps/ from deploy/docker/Dockerfile with its name as SERVICE', () => {
      expect([...tesseraServices(compose, COMPOSE_DIR).values()].sort()).toEqual([
        'activation',
        'enrichment',
        'identity',
        'ingestion',
      ]);
      expect(checkBuilds(compose, COMPOSE_DIR)).toEqual([]);
    });

    it('reports a missing Dockerfile, an undeclared build arg and an app no service runs', () => {
      const broken = copy(compose);
      broken.services.identity.build = {
        ...broken.services.identity.build,
        dockerfile: 'Dockerfile',
      };
      broken.services.enrichment.build = {
        ...broken.services.enrichment.build,
        args: { SERVICE: 'enrichment', NODE_VERSION: '24' },
      };
      delete broken.services.activation;

      expect(checkBuilds(broken, COMPOSE_DIR)).toEqual([
        expect.stringMatching(/^identity Dockerfile .*\/Dockerfile does not exist/),
        'enrichment build arg NODE_VERSION is no ARG of the Dockerfile',
        'no service runs app activation',
        'no service runs app identity',
      ]);
    });

    it('sets every variable the services require: their own config loaders accept the environment, and traces go to the collector', () => {
      const loaded = loadServiceConfigs(environments(compose));

      expect(loaded).toEqual({
        ingestion: { tracesExported: true },
        identity: { tracesExported: true },
        enrichment: { tracesExported: true },
        activation: { tracesExported: true },
      });
    });

    it('is refused by the config loaders when a required secret is missing or too short', () => {
      const broken = environments(compose);
      delete broken.ingestion.WRITE_KEY_PEPPER;
      broken.identity.ADMIN_TOKEN = 'short';
      broken.enrichment.KAFKA_BROKERS = 'kafka';

      const loaded = loadServiceConfigs(broken);

      expect(loaded.ingestion.error).toContain('WRITE_KEY_PEPPER is required but not set');
      expect(loaded.identity.error).toContain('ADMIN_TOKEN must be at least 16 characters long');
      expect(loaded.enrichment.error).toContain('KAFKA_BROKERS="kafka" is not a comma-separated');
      expect(loaded.activation.error).toBeUndefined();
    });

    it('sets only variables something in the service reads', () => {
      expect(checkVariablesRead(compose, COMPOSE_DIR)).toEqual([]);

      const broken = copy(compose);
      broken.services.enrichment.environment = {
        ...environmentOf(broken.services.enrichment),
        WRITE_KEY_PEPPER: 'read by ingestion only',
        OTEL_EXPORTER_OTLP_MAGIC: 'invented',
        KAFKA_BROKER_LIST: 'kafka:9092',
      };
      expect(checkVariablesRead(broken, COMPOSE_DIR)).toEqual([
        'enrichment sets WRITE_KEY_PEPPER, which nothing in it reads',
        'enrichment sets OTEL_EXPORTER_OTLP_MAGIC, which nothing in it reads',
        'enrichment sets KAFKA_BROKER_LIST, which nothing in it reads',
      ]);
    });

    it('lets a service finish its shutdown before Compose kills it', () => {
      expect(checkStopGracePeriods(compose, COMPOSE_DIR)).toEqual([]);

      const broken = copy(compose);
      broken.services.identity.stop_grace_period = '10s';
      expect(checkStopGracePeriods(broken, COMPOSE_DIR)).toEqual([
        'identity stop_grace_period 10s is not longer than its 25000 ms shutdown',
      ]);
    });
  });

  describe('images, volumes and ports', () => {
    it('pins every image, declares its volumes, mounts files that exist and publishes each host port once', () => {
      expect(checkImagesPinned(compose)).toEqual([]);
      expect(checkVolumes(compose, COMPOSE_DIR)).toEqual([]);
      expect(checkPublishedPorts(compose)).toEqual([]);
    });

    it('reports a floating image, an undeclared volume, a missing mounted file and a port published twice', () => {
      const broken = copy(compose);
      broken.services.jaeger.image = 'jaegertracing/jaeger:latest';
      broken.services.mongo.volumes = ['mongo-db:/data/db', './missing-init.js:/init.js:ro'];
      broken.services.prometheus.ports = ['127.0.0.1:8080:9090'];

      expect(checkImagesPinned(broken)).toEqual([
        'jaeger image jaegertracing/jaeger:latest is not pinned to a version',
      ]);
      expect(checkVolumes(broken, COMPOSE_DIR)).toEqual([
        'mongo mounts ./missing-init.js, which does not exist',
        'mongo uses volume mongo-db, which is not declared',
      ]);
      expect(checkPublishedPorts(broken)).toEqual([
        'prometheus and ingestion both publish 127.0.0.1:8080',
      ]);
    });
  });
});
