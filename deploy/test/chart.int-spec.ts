import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chartValues, valueAt, valueLeaves } from './chart-values';
import {
  expectedTopics,
  healthPaths,
  metricsPath,
  repoFile,
  serviceFacts,
  SERVICES,
  type ServiceFacts,
  type ServiceName,
} from './code-facts';
import {
  CHART_DIR,
  locateHelm,
  renderChart,
  RELEASE,
  runHelm,
  valueArgs,
  type K8sObject,
} from './helm-chart';
import { schemaProblems, unknownFieldProblems } from './manifest-schemas';

/**
 * The Helm chart, offline: `helm lint`, then `helm template` with the value sets in
 * deploy/helm/tessera/ci, each rendered object checked against the Kubernetes schemas and against
 * what the code needs (variables, secrets, probes, topics).
 */

const DEFAULT = 'default-values.yaml';
const JOB_EXISTING_SECRETS = 'job-existing-secrets-values.yaml';
const TUNED = 'tuned-values.yaml';
const SERVICES_CREATE_TOPICS = 'services-create-topics-values.yaml';
const VALUE_SETS = [DEFAULT, JOB_EXISTING_SECRETS, TUNED, SERVICES_CREATE_TOPICS];

/** Set by the image's entry point (deploy/docker/entrypoint.sh), not by a service. */
const IMAGE_VARIABLES = ['TESSERA_SERVICE'];

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string> };
  securityContext?: {
    runAsNonRoot?: boolean;
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { drop?: string[] };
  };
}
interface PodSpec {
  containers: Container[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
}
interface Deployment extends K8sObject {
  spec: {
    replicas?: number;
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
      spec: PodSpec;
    };
  };
}
interface ConfigMap extends K8sObject {
  data?: Record<string, string>;
}
interface Secret extends K8sObject {
  data?: Record<string, string>;
}
interface Service extends K8sObject {
  spec: { selector: Record<string, string>; ports: { name: string; port: number }[] };
}
interface IngressPath {
  path: string;
  pathType: 'Prefix' | 'Exact';
  backend: { service: { name: string; port: { name: string } } };
}
interface Ingress extends K8sObject {
  spec: { rules: { host?: string; http: { paths: IngressPath[] } }[] };
}
interface KafkaTopic extends K8sObject {
  spec: {
    topicName: string;
    partitions: number;
    replicas: number;
    config: Record<string, string>;
  };
}
interface Job extends K8sObject {
  spec: { template: { spec: { containers: (Container & { args: string[] })[] } } };
}

let helm: string;
const rendered = new Map<string, K8sObject[]>();
const facts = new Map<ServiceName, ServiceFacts>(
  SERVICES.map((service) => [service, serviceFacts(service)]),
);

const objects = (valueSet: string) => rendered.get(valueSet) ?? [];
const ofKind = <T extends K8sObject>(valueSet: string, kind: string) =>
  objects(valueSet).filter((object) => object.kind === kind) as T[];
const named = <T extends K8sObject>(valueSet: string, kind: string, name: string) =>
  ofKind<T>(valueSet, kind).find((object) => object.metadata.name === name);
const componentOf = (object: K8sObject) =>
  object.metadata.labels?.['app.kubernetes.io/component'] as ServiceName;
const serviceOf = (deployment: Deployment): ServiceName =>
  deployment.spec.template.metadata.labels['app.kubernetes.io/component'] as ServiceName;
const containerOf = (deployment: Deployment) => deployment.spec.template.spec.containers[0];
const decode = (base64: string) => Buffer.from(base64, 'base64').toString('utf8');

/** The variables a container gets: its env entries and the keys of the ConfigMaps it loads. */
function environment(valueSet: string, container: Container): Map<string, string | EnvVar> {
  const variables = new Map<string, string | EnvVar>();
  for (const source of container.envFrom ?? []) {
    if (!source.configMapRef) continue;
    const configMap = named<ConfigMap>(valueSet, 'ConfigMap', source.configMapRef.name);
    for (const [name, value] of Object.entries(configMap?.data ?? {})) variables.set(name, value);
  }
  for (const entry of container.env ?? [])
    variables.set(entry.name, entry.valueFrom ? entry : (entry.value ?? ''));
  return variables;
}

/** Which Service an Ingress sends a request path to: the longest matching path wins, Exact first. */
function route(ingress: Ingress, path: string): string | undefined {
  const segments = (p: string) => p.split('/').filter(Boolean);
  const candidates = ingress.spec.rules
    .flatMap((rule) => rule.http.paths)
    .filter((rule) =>
      rule.pathType === 'Exact'
        ? rule.path === path
        : segments(rule.path).every((segment, i) => segments(path)[i] === segment),
    )
    .sort(
      (a, b) =>
        b.path.length - a.path.length ||
        Number(b.pathType === 'Exact') - Number(a.pathType === 'Exact'),
    );
  return candidates[0]?.backend.service.name;
}

const componentName = (service: string) => `${RELEASE}-tessera-${service}`;

beforeAll(() => {
  // The first run builds Helm from the Go module proxy (a few minutes on two cores).
  helm = locateHelm();
  for (const valueSet of VALUE_SETS)
    rendered.set(valueSet, renderChart(helm, valueArgs([valueSet])));
}, 20 * 60_000);

describe('helm lint', () => {
  it('passes --strict on the chart with its defaults', () => {
    const result = runHelm(helm, ['lint', '--strict', CHART_DIR, ...valueArgs([])]);
    expect(result.stderr + result.stdout).toContain('0 chart(s) failed');
    expect(result.status).toBe(0);
  });

  it.each(VALUE_SETS)('passes --strict with ci/%s', (valueSet) => {
    const result = runHelm(helm, ['lint', '--strict', CHART_DIR, ...valueArgs([valueSet])]);
    expect(result.stdout).toContain('0 chart(s) failed');
    expect(result.status).toBe(0);
  });
});

describe.each(VALUE_SETS)('the chart rendered with ci/%s', (valueSet) => {
  const values = () => chartValues(valueSet);
  const deployments = () => ofKind<Deployment>(valueSet, 'Deployment');

  it('renders only objects that are valid against the schema of their kind', () => {
    expect(objects(valueSet).length).toBeGreaterThan(5);
    const problems = objects(valueSet).flatMap((object) =>
      schemaProblems(object).map((problem) => `${object.kind} ${object.metadata.name}: ${problem}`),
    );
    expect(problems).toEqual([]);
  });

  it('renders no field the Kubernetes API does not know', () => {
    expect(unknownFieldProblems(objects(valueSet))).toEqual([]);
  });

  it('runs each service from the image it names, non-root on a read-only file system', () => {
    expect(deployments().length).toBeGreaterThan(0);
    for (const deployment of deployments()) {
      const service = serviceOf(deployment);
      const pod = deployment.spec.template.spec;
      const container = containerOf(deployment);
      expect(pod.containers).toHaveLength(1);
      expect(container.image).toMatch(/^ghcr\.io\/tessera-cdp\/tessera:/);
      expect(environment(valueSet, container).get('TESSERA_SERVICE')).toBe(service);
      expect(pod.securityContext?.runAsNonRoot).toBe(true);
      expect(pod.securityContext?.runAsUser).toBeGreaterThan(0);
      expect(container.securityContext).toMatchObject({
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
    }
  });

  it('probes liveness and readiness on the health endpoints of the port the service listens on', () => {
    const health = healthPaths();
    for (const deployment of deployments()) {
      const container = containerOf(deployment);
      const port = container.ports?.find((p) => p.name === 'http')?.containerPort;
      expect(environment(valueSet, container).get('PORT')).toBe(String(port));
      expect(container.livenessProbe?.httpGet).toEqual({ path: health.live, port: 'http' });
      expect(container.readinessProbe?.httpGet).toEqual({ path: health.ready, port: 'http' });
      expect(container.startupProbe?.httpGet).toEqual({ path: health.live, port: 'http' });
      expect(container.resources?.requests?.cpu).toBeDefined();
    }
  });

  it('sets only variables the services read, and every one they require', () => {
    for (const deployment of deployments()) {
      const service = serviceOf(deployment);
      const { variables, required } = facts.get(service)!;
      const extra = [
        ...((values().extraEnv as EnvVar[]) ?? []),
        ...((valueAt(values(), `${service}.extraEnv`) as EnvVar[]) ?? []),
      ].map((entry) => entry.name);
      const set = [...environment(valueSet, containerOf(deployment)).keys()];
      const unknown = set.filter(
        (name) => !variables.has(name) && !IMAGE_VARIABLES.includes(name) && !extra.includes(name),
      );
      expect({ service, unknown }).toEqual({ service, unknown: [] });
      // Their defaults point at localhost, useless in a cluster.
      const missing = [...required, 'KAFKA_BROKERS', 'MONGODB_URI'].filter(
        (name) => !set.includes(name),
      );
      expect({ service, missing }).toEqual({ service, missing: [] });
      expect(required.size).toBeGreaterThan(0);
    }
  });

  it('resolves every Secret and ConfigMap a container refers to', () => {
    const v = values();
    const existing = new Map<string, string[]>();
    const addExisting = (name: unknown, ...keys: unknown[]) => {
      if (typeof name === 'string' && name !== '')
        existing.set(name, [...(existing.get(name) ?? []), ...(keys as string[])]);
    };
    addExisting(
      valueAt(v, 'secrets.existingSecret'),
      ...Object.values(valueAt(v, 'secrets.keys') as Record<string, string>),
    );
    addExisting(valueAt(v, 'mongodb.existingSecret'), valueAt(v, 'mongodb.existingSecretKey'));
    for (const service of SERVICES)
      addExisting(
        valueAt(v, `${service}.mongodb.existingSecret`),
        valueAt(v, `${service}.mongodb.existingSecretKey`),
      );
    const unresolved: string[] = [];
    for (const deployment of deployments()) {
      const container = containerOf(deployment);
      for (const source of container.envFrom ?? []) {
        if (source.configMapRef && !named(valueSet, 'ConfigMap', source.configMapRef.name))
          unresolved.push(`ConfigMap ${source.configMapRef.name}`);
        if (source.secretRef) unresolved.push(`whole Secret ${source.secretRef.name} loaded`);
      }
      for (const entry of container.env ?? []) {
        const ref = entry.valueFrom?.secretKeyRef;
        if (!ref) continue;
        const secret = named<Secret>(valueSet, 'Secret', ref.name);
        const found = secret
          ? secret.data?.[ref.key] !== undefined && decode(secret.data[ref.key]) !== ''
          : (existing.get(ref.name) ?? []).includes(ref.key);
        if (!found) unresolved.push(`${entry.name} -> ${ref.name}/${ref.key}`);
      }
    }
    expect(unresolved).toEqual([]);
  });

  it('points every Service, budget, autoscaler and Ingress at what it renders', () => {
    const podLabels = deployments().map((d) => d.spec.template.metadata.labels);
    const selects = (selector: Record<string, string>) =>
      podLabels.filter((labels) =>
        Object.entries(selector).every(([key, value]) => labels[key] === value),
      ).length;
    for (const deployment of deployments())
      expect(selects(deployment.spec.selector.matchLabels)).toBe(1);
    for (const service of ofKind<Service>(valueSet, 'Service'))
      expect(selects(service.spec.selector)).toBe(1);
    for (const pdb of ofKind<
      K8sObject & { spec: { selector: { matchLabels: Record<string, string> } } }
    >(valueSet, 'PodDisruptionBudget'))
      expect(selects(pdb.spec.selector.matchLabels)).toBe(1);
    for (const hpa of ofKind<
      K8sObject & { spec: { scaleTargetRef: { kind: string; name: string } } }
    >(valueSet, 'HorizontalPodAutoscaler')) {
      const target = named<Deployment>(valueSet, 'Deployment', hpa.spec.scaleTargetRef.name);
      expect(target).toBeDefined();
      // The HPA owns the replica count; a Deployment stating one would fight it on every upgrade.
      expect(target?.spec.replicas).toBeUndefined();
    }
    for (const ingress of ofKind<Ingress>(valueSet, 'Ingress'))
      for (const path of ingress.spec.rules.flatMap((rule) => rule.http.paths)) {
        const service = named<Service>(valueSet, 'Service', path.backend.service.name);
        expect(service?.spec.ports.map((port) => port.name)).toContain(
          path.backend.service.port.name,
        );
      }
  });

  it('gives each service its own database and the HTTP port its code defaults to', () => {
    for (const deployment of deployments()) {
      const service = serviceOf(deployment);
      const env = environment(valueSet, containerOf(deployment));
      expect(env.get('MONGODB_DATABASE')).toBe(valueAt(values(), `${service}.database`));
      expect(env.get('PORT')).toBe(String(valueAt(values(), `${service}.port`)));
    }
    const databases = deployments().map((d) =>
      environment(valueSet, containerOf(d)).get('MONGODB_DATABASE'),
    );
    expect(new Set(databases).size).toBe(databases.length);
  });
});

describe('the default install (ci/default-values.yaml)', () => {
  it('runs every service, 2 to 6 replicas on CPU, with a budget keeping one up', () => {
    const deployments = ofKind<Deployment>(DEFAULT, 'Deployment');
    expect(deployments.map(serviceOf).sort()).toEqual([...SERVICES].sort());
    for (const service of SERVICES) {
      const hpa = named<K8sObject & { spec: Record<string, unknown> }>(
        DEFAULT,
        'HorizontalPodAutoscaler',
        componentName(service),
      );
      expect(hpa?.spec).toMatchObject({
        minReplicas: 2,
        maxReplicas: 6,
        metrics: [{ type: 'Resource', resource: { name: 'cpu' } }],
      });
      const pdb = named<K8sObject & { spec: { minAvailable: number } }>(
        DEFAULT,
        'PodDisruptionBudget',
        componentName(service),
      );
      expect(pdb?.spec.minAvailable).toBe(1);
    }
  });

  it('uses the code defaults for the ports and the databases', () => {
    for (const service of SERVICES) {
      const configMap = named<ConfigMap>(DEFAULT, 'ConfigMap', componentName(service));
      expect(configMap?.data?.PORT).toBe(String(facts.get(service)!.defaultPort));
      expect(configMap?.data?.MONGODB_DATABASE).toBe(facts.get(service)!.defaultDatabase);
    }
  });

  it('stores the secrets it was given under the keys the containers read', () => {
    const secret = named<Secret>(DEFAULT, 'Secret', `${RELEASE}-tessera-secrets`);
    const values = chartValues(DEFAULT);
    expect(decode(secret?.data?.ADMIN_TOKEN ?? '')).toBe(valueAt(values, 'secrets.adminToken'));
    expect(decode(secret?.data?.WRITE_KEY_PEPPER ?? '')).toBe(
      valueAt(values, 'secrets.writeKeyPepper'),
    );
    expect(decode(secret?.data?.PRIVACY_HASH_KEY ?? '')).toBe(
      valueAt(values, 'secrets.privacyHashKey'),
    );
    const mongo = named<Secret>(DEFAULT, 'Secret', `${RELEASE}-tessera-mongodb`);
    expect(decode(mongo?.data?.uri ?? '')).toBe(valueAt(values, 'mongodb.uri'));
    // Only ingestion holds the pepper; enrichment and activation hold neither key.
    const secretsOf = (service: ServiceName) =>
      (containerOf(named<Deployment>(DEFAULT, 'Deployment', componentName(service))!).env ?? [])
        .filter((entry) => entry.valueFrom?.secretKeyRef)
        .map((entry) => entry.name)
        .sort();
    expect(secretsOf('ingestion')).toEqual([
      'ADMIN_TOKEN',
      'MONGODB_URI',
      'PRIVACY_HASH_KEY',
      'WRITE_KEY_PEPPER',
    ]);
    expect(secretsOf('identity')).toEqual(['ADMIN_TOKEN', 'MONGODB_URI', 'PRIVACY_HASH_KEY']);
    expect(secretsOf('activation')).toEqual(['ADMIN_TOKEN', 'MONGODB_URI']);
  });

  it('routes the ingestion APIs through the Ingress, and neither health nor metrics', () => {
    const [ingress] = ofKind<Ingress>(DEFAULT, 'Ingress');
    const paths = facts.get('ingestion')!.controllerPaths;
    expect(paths).toEqual(expect.arrayContaining(['/v1', '/admin/sources', '/openapi.json']));
    for (const path of [...paths, '/v1/track', '/v1/privacy/requests'])
      expect({ path, to: route(ingress, path) }).toEqual({ path, to: componentName('ingestion') });
    const { live, ready } = healthPaths();
    for (const path of [live, ready, metricsPath()])
      expect({ path, to: route(ingress, path) }).toEqual({ path, to: undefined });
  });

  it('annotates the pods for Prometheus to scrape the metrics endpoint', () => {
    for (const deployment of ofKind<Deployment>(DEFAULT, 'Deployment')) {
      const annotations = deployment.spec.template.metadata.annotations ?? {};
      expect(annotations).toMatchObject({
        'prometheus.io/scrape': 'true',
        'prometheus.io/path': metricsPath(),
        'prometheus.io/port': String(containerOf(deployment).ports?.[0].containerPort),
      });
    }
  });

  it("runs as the image's own user, whose files it can read", () => {
    const dockerfile = repoFile('deploy/docker/Dockerfile');
    expect(dockerfile).toBeDefined();
    const user = [...(dockerfile ?? '').matchAll(/^USER\s+(\d+)(?::(\d+))?\s*$/gm)].pop();
    expect(user).toBeDefined();
    for (const deployment of ofKind<Deployment>(DEFAULT, 'Deployment')) {
      const context = deployment.spec.template.spec.securityContext as {
        runAsUser?: number;
        runAsGroup?: number;
      };
      expect(context.runAsUser).toBe(Number(user?.[1]));
      if (user?.[2]) expect(context.runAsGroup).toBe(Number(user[2]));
    }
  });

  it('runs the image entry point that reads TESSERA_SERVICE', () => {
    const entrypoint = repoFile('deploy/docker/entrypoint.sh');
    expect(entrypoint).toBeDefined();
    expect(entrypoint).toMatch(/\$\{?TESSERA_SERVICE\b/);
  });
});

describe('topics', () => {
  const expected = expectedTopics();

  it('declares a Strimzi KafkaTopic for exactly the topics the services use', () => {
    const topics = ofKind<KafkaTopic>(DEFAULT, 'KafkaTopic');
    expect(topics.map((topic) => topic.spec.topicName).sort()).toEqual([...expected.keys()].sort());
    for (const topic of topics) {
      expect(topic.metadata.labels?.['strimzi.io/cluster']).toBe('tessera');
      expect(topic.metadata.annotations?.['helm.sh/resource-policy']).toBe('keep');
      expect(topic.spec).toMatchObject({ partitions: 6, replicas: 3 });
      expect(topic.spec.config['min.insync.replicas']).toBe('2');
    }
  });

  it('compacts the profiles topic and keeps every other topic 7 days', () => {
    for (const topic of ofKind<KafkaTopic>(DEFAULT, 'KafkaTopic')) {
      const { config, topicName } = topic.spec;
      if (expected.get(topicName)?.compacted) {
        expect({ topicName, config }).toMatchObject({
          topicName,
          config: {
            'cleanup.policy': 'compact',
            'max.compaction.lag.ms': '604800000',
            'segment.ms': '86400000',
            'delete.retention.ms': '86400000',
          },
        });
        expect(config['retention.ms']).toBeUndefined();
      } else {
        expect({ topicName, config }).toMatchObject({
          topicName,
          config: { 'cleanup.policy': 'delete', 'retention.ms': '604800000' },
        });
      }
    }
    expect([...expected.values()].filter((topic) => topic.compacted)).toHaveLength(1);
  });

  it('creates the same topics with a pre-install and pre-upgrade Job when Strimzi is off', () => {
    expect(ofKind(JOB_EXISTING_SECRETS, 'KafkaTopic')).toEqual([]);
    const [job] = ofKind<Job>(JOB_EXISTING_SECRETS, 'Job');
    expect(job.metadata.annotations?.['helm.sh/hook']).toBe('pre-install,pre-upgrade');
    const container = job.spec.template.spec.containers[0];
    expect(container.image).toMatch(/^apache\/kafka:/);
    const script = container.args[0];
    const ensured = [...script.matchAll(/^ensure '([^']+)' (\d+) (\d+) '([^']*)'$/gm)];
    expect(ensured.map((match) => match[1]).sort()).toEqual([...expected.keys()].sort());
    for (const [, topic, partitions, replicas, config] of ensured) {
      expect({ topic, partitions, replicas }).toEqual({ topic, partitions: '6', replicas: '2' });
      const policy = expected.get(topic)?.compacted ? 'compact' : 'delete';
      expect(config.split(';')).toEqual(
        expect.arrayContaining([`cleanup.policy=${policy}`, 'min.insync.replicas=1']),
      );
    }
    const syntax = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
    expect(syntax.stderr).toBe('');
    expect(syntax.status).toBe(0);
  });

  it('starts the services without creating topics when the chart creates them', () => {
    for (const valueSet of [DEFAULT, JOB_EXISTING_SECRETS, TUNED])
      for (const configMap of ofKind<ConfigMap>(valueSet, 'ConfigMap'))
        expect(configMap.data?.KAFKA_CREATE_TOPICS).toBe('false');
  });

  it('leaves topics to the services when topics.create is false', () => {
    expect(ofKind(SERVICES_CREATE_TOPICS, 'KafkaTopic')).toEqual([]);
    expect(ofKind(SERVICES_CREATE_TOPICS, 'Job')).toEqual([]);
    for (const configMap of ofKind<ConfigMap>(SERVICES_CREATE_TOPICS, 'ConfigMap'))
      expect(configMap.data).toMatchObject({
        KAFKA_CREATE_TOPICS: 'true',
        KAFKA_TOPIC_PARTITIONS: '6',
      });
  });

  it('suffixes every topic as the services do, with overrides and extra topics', () => {
    const topics = ofKind<KafkaTopic>(TUNED, 'KafkaTopic');
    const byName = new Map(topics.map((topic) => [topic.spec.topicName, topic]));
    expect([...byName.keys()].sort()).toEqual(
      [...[...expected.keys()].map((name) => `${name}.tenant-a`), 'crm.profiles'].sort(),
    );
    for (const configMap of ofKind<ConfigMap>(TUNED, 'ConfigMap'))
      expect(configMap.data?.TESSERA_TOPIC_SUFFIX).toBe('tenant-a');
    expect(byName.get('tessera.events.accepted.v1.tenant-a')?.spec).toMatchObject({
      partitions: 24,
      config: { 'retention.ms': '86400000' },
    });
    expect(byName.get('tessera.events.raw.v1.tenant-a')?.spec).toMatchObject({
      partitions: 12,
      config: { 'retention.ms': '259200000' },
    });
    expect(byName.get('crm.profiles')?.spec.config['cleanup.policy']).toBe('compact');
    for (const topic of topics) expect(topic.metadata.namespace).toBe('kafka');
  });
});

describe('non-default values', () => {
  it('creates no Secret when existing ones are named, and reads each service its own URI', () => {
    expect(ofKind(JOB_EXISTING_SECRETS, 'Secret')).toEqual([]);
    const uriRef = (service: ServiceName) =>
      containerOf(
        named<Deployment>(JOB_EXISTING_SECRETS, 'Deployment', componentName(service))!,
      ).env?.find((entry) => entry.name === 'MONGODB_URI')?.valueFrom?.secretKeyRef;
    expect(uriRef('identity')).toEqual({
      name: 'tessera-mongodb-tessera-identity-identity',
      key: 'connectionString.standard',
    });
    expect(uriRef('ingestion')).toEqual({
      name: 'tessera-mongodb-admin-tessera',
      key: 'connectionString.standard',
    });
    const adminRef = containerOf(
      named<Deployment>(JOB_EXISTING_SECRETS, 'Deployment', componentName('enrichment'))!,
    ).env?.find((entry) => entry.name === 'ADMIN_TOKEN')?.valueFrom?.secretKeyRef;
    expect(adminRef).toEqual({ name: 'tessera-credentials', key: 'ADMIN_TOKEN' });
  });

  it('renders nothing of a disabled service, and no Ingress when it is off', () => {
    const activation = objects(JOB_EXISTING_SECRETS).filter(
      (object) =>
        componentOf(object) === 'activation' || object.metadata.name.includes('activation'),
    );
    expect(activation).toEqual([]);
    expect(ofKind(JOB_EXISTING_SECRETS, 'Ingress')).toEqual([]);
  });

  it('fixes the replicas without autoscaling, and budgets only services with two or more', () => {
    const identity = named<Deployment>(
      JOB_EXISTING_SECRETS,
      'Deployment',
      componentName('identity'),
    );
    expect(identity?.spec.replicas).toBe(3);
    const hpas = ofKind(JOB_EXISTING_SECRETS, 'HorizontalPodAutoscaler').map(componentOf).sort();
    expect(hpas).toEqual(['enrichment', 'ingestion']);
    // enrichment's budget is switched off.
    expect(ofKind(JOB_EXISTING_SECRETS, 'PodDisruptionBudget').map(componentOf).sort()).toEqual([
      'identity',
      'ingestion',
    ]);
    // One replica each: a budget of one would block every node drain.
    expect(ofKind(SERVICES_CREATE_TOPICS, 'PodDisruptionBudget')).toEqual([]);
    for (const deployment of ofKind<Deployment>(SERVICES_CREATE_TOPICS, 'Deployment'))
      expect(deployment.spec.replicas).toBe(1);
  });

  it('routes every API to its own service when all are enabled', () => {
    const [ingress] = ofKind<Ingress>(TUNED, 'Ingress');
    expect(ingress.spec.rules.map((rule) => rule.host)).toEqual(['cdp.example.com']);
    for (const service of SERVICES) {
      const paths = facts.get(service)!.controllerPaths;
      expect(paths.length).toBeGreaterThan(0);
      for (const path of paths)
        expect({ path, to: route(ingress, path) }).toEqual({ path, to: componentName(service) });
    }
  });

  it('pins the image by digest, except for a service given its own tag', () => {
    const images = new Map(
      ofKind<Deployment>(TUNED, 'Deployment').map((d) => [serviceOf(d), containerOf(d).image]),
    );
    expect(images.get('activation')).toBe('ghcr.io/tessera-cdp/tessera:0.2.0');
    for (const service of ['ingestion', 'identity', 'enrichment'] as const)
      expect(images.get(service)).toMatch(
        /^ghcr\.io\/tessera-cdp\/tessera:0\.1\.0@sha256:[0-9a-f]{64}$/,
      );
  });

  it('creates a ServiceMonitor for each service when asked', () => {
    const monitors = ofKind<
      K8sObject & { spec: { jobLabel: string; endpoints: { path: string }[] } }
    >(TUNED, 'ServiceMonitor');
    expect(monitors.map(componentOf).sort()).toEqual([...SERVICES].sort());
    for (const monitor of monitors) {
      expect(monitor.metadata.labels?.release).toBe('prometheus');
      // Named by its Service's component label: job="ingestion", as docs/operations.md queries.
      expect(monitor.spec.jobLabel).toBe('app.kubernetes.io/component');
      expect(monitor.spec.endpoints[0].path).toBe(metricsPath());
    }
  });

  it('passes settings to the services as written, whole numbers as integers', () => {
    const data = (service: ServiceName) =>
      named<ConfigMap>(TUNED, 'ConfigMap', componentName(service))?.data ?? {};
    expect(data('ingestion')).toMatchObject({
      INGEST_MAX_REQUEST_BYTES: '1048576',
      INGEST_RATE_LIMIT_EVENTS_PER_SECOND: '500',
      IDENTITY_LIMITS: 'user_id=1,email=3',
      IDENTITY_BLOCKED_PATTERNS: '["^test-", "@example\\\\.com$"]',
      LOG_LEVEL: 'debug',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector.observability:4318',
    });
    expect(JSON.parse(data('ingestion').IDENTITY_BLOCKED_PATTERNS)).toEqual([
      '^test-',
      '@example\\.com$',
    ]);
    // Enrichment reads only the region of the identity rules; activation none.
    expect(Object.keys(data('enrichment')).filter((key) => key.startsWith('IDENTITY_'))).toEqual([
      'IDENTITY_DEFAULT_REGION',
    ]);
    expect(Object.keys(data('activation')).filter((key) => key.startsWith('IDENTITY_'))).toEqual(
      [],
    );
    expect(data('activation')).toMatchObject({
      DELIVERY_RETENTION_DAYS: '14',
      WEBHOOK_ALLOWLIST: '10.20.0.0/16',
    });
  });
});

describe('values the chart refuses', () => {
  const render = (set: string[]) =>
    runHelm(helm, ['template', RELEASE, CHART_DIR, ...valueArgs([], set)]);

  it('refuses to render without the secrets the services require', () => {
    const result = render(['mongodb.uri=mongodb://mongo:27017/']);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('secrets.adminToken (ADMIN_TOKEN) must be set');
  });

  it('refuses a key shorter than the services accept', () => {
    const result = render([
      'mongodb.uri=mongodb://mongo:27017/',
      'secrets.adminToken=ci-admin-token-0123456789',
      'secrets.writeKeyPepper=short',
      'secrets.privacyHashKey=ci-privacy-hash-key-0123456789',
    ]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('secrets.writeKeyPepper (WRITE_KEY_PEPPER)');
  });

  it('refuses an install without a MongoDB URI', () => {
    const result = runHelm(helm, [
      'template',
      RELEASE,
      CHART_DIR,
      ...valueArgs([DEFAULT], ['mongodb.uri=']),
    ]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('needs a MongoDB URI');
  });

  it('refuses a setting no service reads', () => {
    const result = runHelm(helm, [
      'template',
      RELEASE,
      CHART_DIR,
      ...valueArgs([DEFAULT], ['ingestion.config.INGEST_MAX_EVENT_BYTE=1024']),
    ]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('INGEST_MAX_EVENT_BYTE');
  });

  it('needs no secret of a service that is disabled', () => {
    const result = render([
      'mongodb.uri=mongodb://mongo:27017/',
      'secrets.adminToken=ci-admin-token-0123456789',
      'ingestion.enabled=false',
      'identity.enabled=false',
    ]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

describe("the chart's documentation", () => {
  const schema = JSON.parse(readFileSync(join(CHART_DIR, 'values.schema.json'), 'utf8')) as {
    properties: Record<
      string,
      { properties: Record<string, { properties?: Record<string, unknown> }> }
    >;
  };
  const settingKeys = (path: string[]) => {
    const node = path.reduce<{ properties?: Record<string, unknown> } | undefined>(
      (current, key) => current?.properties?.[key] as { properties?: Record<string, unknown> },
      schema as { properties?: Record<string, unknown> },
    );
    return Object.keys(node?.properties ?? {});
  };

  it('offers as settings only variables the services read', () => {
    const everyService = SERVICES.map((service) => facts.get(service)!.variables);
    for (const key of settingKeys(['config']))
      expect({ key, readByAll: everyService.every((v) => v.has(key)) }).toEqual({
        key,
        readByAll: true,
      });
    for (const key of settingKeys(['identityRules']))
      expect({ key, readByIdentity: facts.get('identity')!.variables.has(key) }).toEqual({
        key,
        readByIdentity: true,
      });
    for (const service of SERVICES)
      for (const key of settingKeys([service, 'config']))
        expect({ service, key, read: facts.get(service)!.variables.has(key) }).toEqual({
          service,
          key,
          read: true,
        });
  });

  it('lists the same settings in values.yaml as in values.schema.json', () => {
    const defaults = chartValues();
    for (const path of [['config'], ['identityRules'], ...SERVICES.map((s) => [s, 'config'])])
      expect(Object.keys(valueAt(defaults, path.join('.')) as object).sort()).toEqual(
        settingKeys(path).sort(),
      );
  });

  it('lists every contract topic in docs/deploy.md', () => {
    const guide = repoFile('docs/deploy.md') ?? '';
    const contract = [...expectedTopics().keys()].filter((topic) => !topic.includes('dead-letter'));
    expect(contract.filter((topic) => !guide.includes(`\`${topic}\``))).toEqual([]);
  });

  it('comments every value in values.yaml and documents it in README.md', () => {
    const readme = readFileSync(join(CHART_DIR, 'README.md'), 'utf8');
    const leaves = valueLeaves();
    expect(leaves.length).toBeGreaterThan(100);
    expect(leaves.filter((leaf) => !leaf.documentedAt).map((leaf) => leaf.path)).toEqual([]);
    const perService = (path: string) => {
      const [first, ...rest] = path.split('.');
      const tail = rest.join('.');
      const shared = SERVICES.every((service) =>
        leaves.some((leaf) => leaf.documentedAt === `${service}.${tail}`),
      );
      return SERVICES.includes(first as ServiceName) && shared ? `<service>.${tail}` : path;
    };
    const undocumented = [...new Set(leaves.map((leaf) => perService(leaf.documentedAt!)))].filter(
      (path) => !readme.includes(`\`${path}\``),
    );
    expect(undocumented).toEqual([]);
  });
});
