// The checks every rendering of Plimsoll's manifests passes, whether kustomize (deploy/kubernetes)
// or Helm (deploy/helm/plimsoll) made it: valid against the Kubernetes OpenAPI schemas with no
// field the API server would reject as unknown, references that resolve, the `restricted` Pod
// Security profile on every pod but the node-logs read-only hostPath, sizing, a configuration
// that Plimsoll's own validation accepts and that each collect pod runs as intended, and RBAC
// that only reads. manifests.test.ts, rbac.test.ts and helm.test.ts run these same tables.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import * as clientNode from '@kubernetes/client-node';
import * as appsV1 from 'kubernetes-models/apps/v1';
import * as policyV1 from 'kubernetes-models/policy/v1';
import * as rbacV1 from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import * as coreV1 from 'kubernetes-models/v1';
import { parse as parseYaml } from 'yaml';
import { kafkaSecurity } from '../../bus/kafka.js';
import { environmentOverrides, loadConfig, validateConfig } from '../../core/config/load.js';
import {
  collectPlan,
  configMapOf,
  configText,
  containersOf,
  localSecrets,
  matches,
  quantity,
  workloads,
  type K8sObject,
  type Rendering,
  type Workload,
} from './support.js';

export const NAMESPACE = 'plimsoll';

/** A check of one rendering; a table of them runs over every rendering of a suite. */
export interface Check {
  readonly title: string;
  readonly check: (rendering: Rendering) => void | Promise<void>;
}

/** One test per check, each over every rendering the suite made in its `before`. */
export function runChecks(
  checks: readonly Check[],
  renderings: () => readonly Rendering[],
  timeout = 60_000,
): void {
  for (const { title, check } of checks) {
    it(title, { timeout }, async () => {
      assert.ok(renderings().length > 0, 'rendered before the checks');
      for (const rendering of renderings()) await check(rendering);
    });
  }
}

type Model = new (data: unknown) => { validate(): void };

// kubernetes-models 4.x: the OpenAPI schemas of Kubernetes 1.27 compiled to validators.
const MODELS: Record<string, Record<string, unknown>> = {
  v1: coreV1,
  'apps/v1': appsV1,
  'policy/v1': policyV1,
  'rbac.authorization.k8s.io/v1': rbacV1,
};

function modelOf(object: K8sObject): Model | undefined {
  return MODELS[object.apiVersion]?.[object.kind] as Model | undefined;
}

/** The Prometheus Operator's kinds: no models installed, checked structurally. */
const OPERATOR_API = 'monitoring.coreos.com/v1';

// The OpenAPI schemas allow unknown properties, but the API server rejects them (kubectl's
// default field validation is strict since 1.27). @kubernetes/client-node's generated models list
// every field of every type, which finds a misspelt `readOnlyRootFileSystem` the schemas let by.
interface Attribute {
  baseName: string;
  type: string;
}
type Described = { getAttributeTypeMap?: () => Attribute[] };

function unknownFields(value: unknown, type: string, path: string, found: string[]): void {
  if (value === null || value === undefined) return;
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (Array.isArray(value))
      value.forEach((v, i) => unknownFields(v, array[1]!, `${path}[${i}]`, found));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      unknownFields(v, map[1]!, `${path}.${k}`, found);
    }
    return;
  }
  const model = (clientNode as unknown as Record<string, Described | undefined>)[type];
  if (typeof model?.getAttributeTypeMap !== 'function' || typeof value !== 'object') return;
  const attributes = model.getAttributeTypeMap();
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const attribute = attributes.find((a) => a.baseName === key);
    if (!attribute) found.push(`${path}.${key}`);
    else unknownFields(child, attribute.type, `${path}.${key}`, found);
  }
}

export function strictFieldErrors(object: K8sObject): string[] {
  const found: string[] = [];
  unknownFields(object, `V1${object.kind}`, object.kind, found);
  return found;
}

export const id = (o: K8sObject) => `${o.kind}/${o.metadata.name}`;
export const named = (objects: readonly K8sObject[], kind: string) =>
  objects.filter((o) => o.kind === kind);

/** The Secrets the manifests reference but do not create: the operator creates them. */
export const EXTERNAL_SECRETS: Record<string, { key: string; required: boolean }> = {
  'plimsoll-api-tokens': { key: 'tokens', required: true },
  'plimsoll-elasticsearch': { key: 'password', required: true },
  'plimsoll-kafka': { key: 'password', required: true },
  'plimsoll-elasticsearch-ca': { key: 'ca.crt', required: false },
};

/** Where a container sees a file: the mount whose path is the file's directory. */
function mountedFile(workload: Workload, file: string) {
  const container = workload.pod.containers[0]!;
  const dir = file.slice(0, file.lastIndexOf('/'));
  const key = file.slice(file.lastIndexOf('/') + 1);
  const mount = container.volumeMounts?.find((m) => m.mountPath === dir);
  const volume = mount && workload.pod.volumes?.find((v) => v.name === mount.name);
  return { mount, volume, key };
}

function quantitySeconds(duration: string): number {
  const match = /^(\d+)([smh])$/.exec(duration);
  assert.ok(match, `duration ${duration}`);
  return Number(match[1]) * { s: 1, m: 60, h: 3600 }[match[2] as 's' | 'm' | 'h'];
}

function validatesAgainstSchemas({ name, objects }: Rendering): void {
  for (const object of objects) {
    if (object.apiVersion === OPERATOR_API) continue; // a CRD: checked structurally
    const Model = modelOf(object);
    assert.ok(Model, `${name}: no schema for ${object.apiVersion} ${object.kind}`);
    assert.doesNotThrow(
      () => new Model(object).validate(),
      `${name}: ${id(object)} fails its schema`,
    );
  }
}

function hasNoUnknownFields({ name, objects }: Rendering): void {
  for (const object of objects) {
    if (object.apiVersion === OPERATOR_API) continue;
    assert.deepEqual(strictFieldErrors(object), [], `${name}: ${id(object)}`);
  }
}

/** The ServiceMonitor, where there is one: it scrapes every pod's /metrics through one Service. */
function checksServiceMonitor({ name, objects }: Rendering): void {
  const monitors = named(objects, 'ServiceMonitor');
  if (monitors.length === 0) return;
  assert.equal(monitors.length, 1, `${name}: one ServiceMonitor`);
  const monitor = monitors[0]!;
  assert.equal(monitor.metadata.namespace, NAMESPACE);
  const spec = monitor.spec as {
    selector: { matchLabels: Record<string, string> };
    endpoints: {
      port: string;
      path: string;
      interval: string;
      scrapeTimeout: string;
      authorization?: { type: string; credentials: { name: string; key: string } };
    }[];
    podTargetLabels?: string[];
  };
  assert.deepEqual(Object.keys(spec).sort(), ['endpoints', 'podTargetLabels', 'selector']);
  const services = named(objects, 'Service').filter((s) =>
    matches(spec.selector.matchLabels, s.metadata.labels ?? {}),
  );
  assert.equal(services.length, 1, `${name}: the selector picks exactly the metrics Service`);
  const service = services[0]!;
  const servicePorts = (service.spec as { ports: { name: string }[] }).ports.map((p) => p.name);
  const selector = (service.spec as { selector: Record<string, string> }).selector;
  const scraped = workloads(objects).filter((w) => matches(selector, w.podLabels));
  assert.equal(scraped.length, workloads(objects).length, `${name}: every workload scraped`);
  for (const endpoint of spec.endpoints) {
    assert.deepEqual(Object.keys(endpoint).sort(), [
      'authorization',
      'interval',
      'path',
      'port',
      'scrapeTimeout',
    ]);
    // /metrics serves the findings families only to a read token.
    assert.equal(endpoint.authorization?.type, 'Bearer', `${name}: the scrape presents a token`);
    assert.ok(endpoint.authorization.credentials.name && endpoint.authorization.credentials.key);
    assert.ok(servicePorts.includes(endpoint.port), `endpoint port ${endpoint.port}`);
    assert.equal(endpoint.path, '/metrics');
    assert.match(endpoint.interval, /^\d+[smh]$/);
    assert.ok(quantitySeconds(endpoint.scrapeTimeout) <= quantitySeconds(endpoint.interval));
  }
  for (const label of spec.podTargetLabels ?? []) {
    for (const w of scraped) assert.ok(label in w.podLabels, `${id(w.object)} has ${label}`);
  }
}

function staysInItsNamespace({ name, objects }: Rendering): void {
  const clusterScoped = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding']);
  for (const object of objects) {
    if (clusterScoped.has(object.kind)) assert.equal(object.metadata.namespace, undefined);
    else assert.equal(object.metadata.namespace, NAMESPACE, `${name}: ${id(object)}`);
    assert.equal(object.metadata.labels?.['app.kubernetes.io/name'], 'plimsoll', id(object));
  }
}

function resolvesReferences({ name, objects }: Rendering): void {
  const has = (kind: string, n: string) =>
    objects.some((o) => o.kind === kind && o.metadata.name === n);
  for (const w of workloads(objects)) {
    const where = `${name}: ${id(w.object)}`;
    assert.ok(w.pod.serviceAccountName, `${where} names its ServiceAccount`);
    assert.ok(has('ServiceAccount', w.pod.serviceAccountName), `${where}: SA exists`);
    const selector = (w.object.spec as { selector: { matchLabels: Record<string, string> } })
      .selector.matchLabels;
    assert.ok(matches(selector, w.podLabels), `${where}: selector matches its pods`);
    const volumes = new Map((w.pod.volumes ?? []).map((v) => [v.name, v]));
    for (const volume of volumes.values()) {
      if (volume.configMap)
        assert.ok(has('ConfigMap', volume.configMap.name), `${where}: ${volume.configMap.name}`);
      if (volume.secret) {
        const external = EXTERNAL_SECRETS[volume.secret.secretName];
        assert.ok(
          external || has('Secret', volume.secret.secretName),
          `${where}: ${volume.secret.secretName}`,
        );
        if (external) assert.equal(volume.secret.optional === true, !external.required, where);
      }
    }
    for (const container of containersOf(w.pod)) {
      for (const mount of container.volumeMounts ?? []) {
        assert.ok(volumes.has(mount.name), `${where}: mount ${mount.name} has a volume`);
      }
    }
  }
  for (const service of named(objects, 'Service')) {
    const spec = service.spec as {
      selector: Record<string, string>;
      ports: { targetPort: string | number }[];
    };
    const backends = workloads(objects).filter((w) => matches(spec.selector, w.podLabels));
    assert.ok(backends.length > 0, `${name}: ${id(service)} selects pods`);
    for (const port of spec.ports) {
      for (const w of backends) {
        assert.ok(
          w.pod.containers.some((c) => c.ports?.some((p) => p.name === port.targetPort)),
          `${name}: ${id(w.object)} has the port ${String(port.targetPort)}`,
        );
      }
    }
  }
  for (const pdb of named(objects, 'PodDisruptionBudget')) {
    const spec = pdb.spec as {
      selector: { matchLabels: Record<string, string> };
      minAvailable?: number;
      maxUnavailable?: number;
    };
    const covered = workloads(objects).filter((w) =>
      matches(spec.selector.matchLabels, w.podLabels),
    );
    assert.equal(covered.length, 1, `${name}: ${id(pdb)} covers one workload`);
    // A budget must leave room for one eviction, or it blocks every node drain.
    const replicas = covered[0]!.replicas ?? 1;
    const allowed = spec.maxUnavailable ?? replicas - (spec.minAvailable ?? 0);
    assert.ok(allowed >= 1, `${name}: ${id(pdb)} allows an eviction with ${replicas} replicas`);
  }
  for (const binding of named(objects, 'ClusterRoleBinding')) {
    const roleRef = binding.roleRef as { kind: string; name: string };
    assert.ok(has(roleRef.kind, roleRef.name), `${name}: ${id(binding)} → ${roleRef.name}`);
    for (const subject of binding.subjects as { kind: string; name: string; namespace: string }[]) {
      assert.equal(subject.kind, 'ServiceAccount');
      assert.equal(subject.namespace, NAMESPACE);
      assert.ok(has('ServiceAccount', subject.name), `${name}: ${id(binding)} → ${subject.name}`);
    }
  }
}

/** Whether a rendering has a pod that mounts a hostPath (the node-logs DaemonSet). */
export const mountsHostPath = (objects: readonly K8sObject[]): boolean =>
  workloads(objects).some((w) => w.pod.volumes?.some((v) => v.hostPath));

function meetsRestrictedProfile({ name, objects }: Rendering): void {
  for (const w of workloads(objects)) {
    const where = `${name}: ${id(w.object)}`;
    const pod = w.pod;
    assert.ok(!pod.hostNetwork && !pod.hostPID && !pod.hostIPC, `${where}: no host namespaces`);
    assert.equal(pod.securityContext?.runAsNonRoot, true, where);
    assert.ok((pod.securityContext?.runAsUser ?? 0) > 0, `${where}: numeric non-root user`);
    assert.equal(pod.securityContext?.seccompProfile?.type, 'RuntimeDefault', where);
    for (const c of containersOf(pod)) {
      const sc = c.securityContext ?? {};
      assert.equal(sc.allowPrivilegeEscalation, false, `${where}/${c.name}: no escalation`);
      assert.notEqual(sc.privileged, true, `${where}/${c.name}: not privileged`);
      assert.equal(sc.readOnlyRootFilesystem, true, `${where}/${c.name}: read-only root`);
      assert.deepEqual(sc.capabilities?.drop, ['ALL'], `${where}/${c.name}: drops ALL`);
      assert.equal(sc.capabilities?.add, undefined, `${where}/${c.name}: adds none`);
      assert.ok(!c.ports?.some((p) => 'hostPort' in p), `${where}: no hostPort`);
    }
    const hostPaths = (pod.volumes ?? []).filter((v) => v.hostPath);
    if (id(w.object) === 'DaemonSet/plimsoll-node-logs') {
      assert.deepEqual(
        hostPaths.map((v) => v.hostPath),
        [{ path: '/var/log/pods', type: 'Directory' }],
      );
      for (const c of containersOf(pod)) {
        for (const m of (c.volumeMounts ?? []).filter((m) => m.name === hostPaths[0]!.name)) {
          assert.equal(m.readOnly, true, `${where}: /var/log/pods is mounted read-only`);
        }
      }
      assert.equal(pod.automountServiceAccountToken, false, `${where}: no API token`);
    } else {
      assert.deepEqual(hostPaths, [], `${where}: no hostPath`);
    }
    // Only the collector reads the Kubernetes API; no other pod carries a token.
    const reader = pod.serviceAccountName === 'plimsoll-collector';
    assert.equal(
      pod.automountServiceAccountToken,
      reader,
      `${where}: token only if it reads the API`,
    );
  }
}

function sizesEveryContainer({ name, objects }: Rendering): void {
  for (const w of workloads(objects)) {
    for (const c of containersOf(w.pod)) {
      const where = `${name}: ${id(w.object)}/${c.name}`;
      const { requests = {}, limits = {} } = c.resources ?? {};
      for (const resource of ['cpu', 'memory']) {
        assert.ok(
          requests[resource] && limits[resource],
          `${where}: ${resource} request and limit`,
        );
        assert.ok(
          quantity(requests[resource]) <= quantity(limits[resource]),
          `${where}: ${resource}`,
        );
      }
      const heap = /--max-old-space-size=(\d+)/.exec(
        c.env?.find((e) => e.name === 'NODE_OPTIONS')?.value ?? '',
      );
      assert.ok(heap, `${where}: NODE_OPTIONS caps the heap`);
      const heapBytes = Number(heap[1]) * 2 ** 20;
      assert.ok(heapBytes <= 0.8 * quantity(limits.memory!), `${where}: heap ≤ 80% of the limit`);
    }
  }
}

function pinsImages({ name, objects }: Rendering): void {
  for (const w of workloads(objects)) {
    for (const c of containersOf(w.pod)) {
      assert.match(c.image ?? '', /^[a-z0-9./-]+:\d+\.\d+\.\d+$/, `${name}: ${c.image}`);
    }
  }
}

function setsKnownVariables({ objects }: Rendering): void {
  const known = new Set(['PLIMSOLL_CONFIG', ...environmentOverrides().map((o) => o.env)]);
  for (const w of workloads(objects)) {
    for (const c of containersOf(w.pod)) {
      for (const { name } of c.env ?? []) {
        if (name.startsWith('PLIMSOLL_')) assert.ok(known.has(name), `${id(w.object)}: ${name}`);
      }
    }
  }
}

function passesConfigValidation(rendering: Rendering): void {
  const { text } = configMapOf(rendering);
  const config = validateConfig(parseYaml(text), `${rendering.name} ConfigMap`);
  const expected =
    rendering.overlay === 'production' ? ['kafka', 'elasticsearch'] : ['embedded', 'memory'];
  assert.deepEqual([config.runtime.bus, config.runtime.store], expected, rendering.name);
  // Off loopback the API refuses to start without tokens: the config must name the file.
  assert.equal(config.api.host, '0.0.0.0');
  assert.ok(config.api.tokensFile, `${rendering.name}: api.tokensFile`);
  assert.equal(config.api.metricsPublic, false, 'findings on /metrics only for a read token');
}

/** Every probe asks the probe port, which the configuration opens: never the API's own port. */
function probesOnTheProbePort(rendering: Rendering): void {
  const config = validateConfig(parseYaml(configText(rendering)), `${rendering.name} ConfigMap`);
  assert.ok(config.api.probePort, `${rendering.name}: api.probePort`);
  assert.notEqual(config.api.probePort, config.api.port);
  for (const w of workloads(rendering.objects)) {
    for (const c of containersOf(w.pod)) {
      const where = `${rendering.name}: ${id(w.object)}/${c.name}`;
      for (const kind of ['startupProbe', 'livenessProbe', 'readinessProbe'] as const) {
        const port = c[kind]?.httpGet?.port;
        assert.ok(port !== undefined, `${where}: ${kind}`);
        const number =
          typeof port === 'number' ? port : c.ports?.find((p) => p.name === port)?.containerPort;
        assert.equal(number, config.api.probePort, `${where}: ${kind} on the probe port`);
      }
    }
  }
}

function mountsEverySecretFile(rendering: Rendering): void {
  const { object, text } = configMapOf(rendering);
  const config = validateConfig(parseYaml(text));
  const files: [string, string][] = [['api.tokensFile', config.api.tokensFile!]];
  if (config.runtime.store === 'elasticsearch') {
    assert.ok(config.elasticsearch.passwordFile, 'the Elasticsearch password comes from a file');
    assert.equal(config.elasticsearch.password, undefined, 'no password in the ConfigMap');
    files.push(['elasticsearch.passwordFile', config.elasticsearch.passwordFile]);
  }
  if (config.runtime.bus === 'kafka') {
    assert.notEqual(config.kafka.sasl.mechanism, 'none', 'Kafka with SASL credentials');
    assert.ok(config.kafka.sasl.passwordFile, 'the Kafka password comes from a file');
    assert.equal(config.kafka.sasl.password, undefined, 'no Kafka password in the ConfigMap');
    files.push(['kafka.sasl.passwordFile', config.kafka.sasl.passwordFile]);
  }
  for (const w of workloads(rendering.objects)) {
    const where = `${rendering.name}: ${id(w.object)}`;
    const env = w.pod.containers[0]!.env ?? [];
    const configFile = env.find((e) => e.name === 'PLIMSOLL_CONFIG')?.value;
    assert.ok(configFile, `${where}: PLIMSOLL_CONFIG`);
    const cfg = mountedFile(w, configFile);
    assert.equal(cfg.volume?.configMap?.name, object.metadata.name, `${where}: config mounted`);
    assert.equal(cfg.key, 'plimsoll.yaml');
    for (const [key, file] of files) {
      const { volume, key: secretKey } = mountedFile(w, file);
      const secret = volume?.secret?.secretName;
      assert.ok(secret, `${where}: ${key} (${file}) is on a mounted Secret`);
      assert.equal(EXTERNAL_SECRETS[secret]?.key, secretKey, `${where}: ${secret} key`);
    }
  }
}

function loadsWithSecretFiles(rendering: Rendering): void {
  const dir = mkdtempSync(join(tmpdir(), 'plimsoll-deploy-config-'));
  try {
    const { text } = configMapOf(rendering);
    writeFileSync(join(dir, 'plimsoll.yaml'), text);
    // The paths point into the pod's Secret mounts; here they are redirected to local files.
    const config = loadConfig({
      file: join(dir, 'plimsoll.yaml'),
      env: localSecrets(dir, validateConfig(parseYaml(text))),
    });
    assert.deepEqual(config.api.readTokens, ['0123456789abcdef0123']);
    assert.deepEqual(config.api.adminTokens, ['fedcba9876543210fedc']);
    if (config.runtime.store === 'elasticsearch') {
      assert.equal(config.elasticsearch.password, 'elastic-password');
    }
    if (config.runtime.bus === 'kafka') {
      assert.equal(config.kafka.sasl.password, 'kafka-password');
      assert.deepEqual(kafkaSecurity(config.kafka), {
        ssl: { rejectUnauthorized: true },
        sasl: { mechanism: 'scram-sha-512', username: 'plimsoll', password: 'kafka-password' },
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function collectsFromConfig(rendering: Rendering): Promise<void> {
  for (const w of workloads(rendering.objects)) {
    const args = w.pod.containers[0]!.args ?? [];
    if (args[0] !== 'collect') continue;
    const where = `${rendering.name}: ${id(w.object)}`;
    const flags = args.filter((a) => a.startsWith('-') && a !== '--collectors');
    assert.deepEqual(flags, [], `${where} sets its options in the config`);
    assert.ok(await collectPlan(rendering, w), `${where} plans`);
  }
}

async function givesCollectorsWhatTheyNeed(rendering: Rendering): Promise<void> {
  for (const w of workloads(rendering.objects)) {
    const plan = await collectPlan(rendering, w);
    if (!plan) continue;
    const where = `${rendering.name}: ${id(w.object)}`;
    const container = w.pod.containers[0]!;
    const writable = (file: string | undefined) => {
      assert.ok(file, `${where}: checkpoints are kept`);
      const mount = container.volumeMounts?.find((m) => file.startsWith(`${m.mountPath}/`));
      const volume = w.pod.volumes?.find((v) => v.name === mount?.name);
      assert.ok(volume?.emptyDir && !mount?.readOnly, `${where}: ${file} on a writable emptyDir`);
    };
    if (id(w.object) === 'DaemonSet/plimsoll-node-logs') {
      assert.deepEqual(plan.types, ['logs'], where);
      const logs = plan.options.logs;
      assert.equal(logs.source, 'files', where);
      const mount = container.volumeMounts?.find((m) => m.mountPath === logs.root);
      const volume = w.pod.volumes?.find((v) => v.name === mount?.name);
      assert.equal(volume?.hostPath?.path, '/var/log/pods', `${where}: reads the hostPath`);
      assert.equal(logs.nodeName, '<spec.nodeName>', `${where}: node from the downward API`);
      writable(logs.checkpointFile);
      continue;
    }
    const expected =
      rendering.overlay === 'embedded'
        ? ['kubernetes', 'kubelet', 'logs']
        : ['kubernetes', 'kubelet'];
    assert.deepEqual(plan.types, expected, where);
    assert.equal(plan.options.kubernetes.connection.inCluster, true, where);
    // The ClusterRole grants nodes/metrics and nodes/stats, not nodes/proxy.
    assert.equal(plan.options.kubelet.mode, 'direct', where);
    writable(plan.options.kubernetes.checkpointFile);
    if (plan.types.includes('logs')) {
      assert.equal(plan.options.logs.source, 'api', `${where}: one pod reads logs via the API`);
      writable(plan.options.logs.checkpointFile);
    }
  }
}

export const MANIFEST_CHECKS: readonly Check[] = [
  {
    title: 'validates every object against the Kubernetes OpenAPI schemas (kubernetes-models)',
    check: validatesAgainstSchemas,
  },
  { title: 'has no field the API server would reject as unknown', check: hasNoUnknownFields },
  {
    title:
      'checks the ServiceMonitor structurally (the prometheus-operator models are not installed)',
    check: checksServiceMonitor,
  },
  { title: 'puts every namespaced object in the plimsoll namespace', check: staysInItsNamespace },
  {
    title: 'resolves every reference: ServiceAccounts, ConfigMaps, Secrets, volumes, selectors',
    check: resolvesReferences,
  },
  {
    title: 'meets the restricted Pod Security profile, but the node-logs read-only hostPath',
    check: meetsRestrictedProfile,
  },
  {
    title: 'sets requests and limits on every container, with the V8 heap inside the memory limit',
    check: sizesEveryContainer,
  },
  { title: 'pins every image to a version', check: pinsImages },
  { title: 'sets only environment variables Plimsoll knows', check: setsKnownVariables },
  {
    title: "renders a ConfigMap that Plimsoll's own config validation accepts",
    check: passesConfigValidation,
  },
  {
    title: 'probes every pod on the probe port the configuration opens',
    check: probesOnTheProbePort,
  },
  {
    title: 'mounts the configuration and every secret file the configuration names, in every pod',
    check: mountsEverySecretFile,
  },
  {
    title: 'loads the rendered configuration with its secret files, as a pod would',
    check: loadsWithSecretFiles,
  },
  {
    title: 'runs every collect pod from the configuration, with at most its --collectors flag',
    check: collectsFromConfig,
  },
  {
    title:
      'gives each collector role what it needs: cluster collectors in-cluster, node logs from files',
    check: givesCollectorsWhatTheyNeed,
  },
];

// Least privilege (DESIGN §7): read and nothing else — no wildcard, no write verb, no
// nodes/proxy, no Secrets — and pods/log only where the API log path is enabled.

export interface Rule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
  verbs: string[];
}

const READ_VERBS = new Set(['get', 'list', 'watch']);
const ROLE_KINDS = new Set(['ClusterRole', 'Role']);

export const rulesOf = (objects: readonly K8sObject[]): { role: string; rule: Rule }[] =>
  objects
    .filter((o) => ROLE_KINDS.has(o.kind))
    .flatMap((o) =>
      ((o.rules as Rule[] | undefined) ?? []).map((rule) => ({ role: o.metadata.name, rule })),
    );

/** `group/resource` for every resource a rule grants, core group as ''. */
const grants = (rule: Rule): string[] =>
  (rule.apiGroups ?? []).flatMap((g) => (rule.resources ?? []).map((r) => `${g}/${r}`));

/** Everything any role grants, as `group/resource:verb`. */
export const granted = (objects: readonly K8sObject[]): Set<string> =>
  new Set(
    rulesOf(objects).flatMap(({ rule }) =>
      grants(rule).flatMap((g) => rule.verbs.map((v) => `${g}:${v}`)),
    ),
  );

// The complete grant of the collector: the list, nothing more.
const READ_ONLY = [
  ...['nodes', 'pods', 'events', 'namespaces'].map((r) => `/${r}`),
  ...['deployments', 'replicasets', 'statefulsets', 'daemonsets'].map((r) => `apps/${r}`),
  ...['jobs', 'cronjobs'].map((r) => `batch/${r}`),
].flatMap((g) => ['get', 'list', 'watch'].map((v) => `${g}:${v}`));
const KUBELET = ['/nodes/metrics:get', '/nodes/stats:get'];
const POD_LOGS = ['/pods/log:get'];

const FORBIDDEN_RESOURCES = [
  'nodes/proxy',
  'secrets',
  'configmaps',
  'serviceaccounts/token',
  'pods/exec',
  'pods/attach',
  'pods/portforward',
];

function usesNoWildcard({ name, objects }: Rendering): void {
  for (const { role, rule } of rulesOf(objects)) {
    for (const field of [rule.verbs, rule.resources, rule.apiGroups, rule.nonResourceURLs]) {
      assert.ok(
        !(field ?? []).some((v) => v.includes('*')),
        `${name}: ${role} ${JSON.stringify(rule)}`,
      );
    }
    assert.equal(rule.nonResourceURLs, undefined, `${name}: ${role} grants no URL`);
  }
}

function onlyReads({ name, objects }: Rendering): void {
  for (const { role, rule } of rulesOf(objects)) {
    const writes = rule.verbs.filter((v) => !READ_VERBS.has(v));
    assert.deepEqual(writes, [], `${name}: ${role} may only read`);
  }
}

function grantsNothingSensitive({ name, objects }: Rendering): void {
  for (const { role, rule } of rulesOf(objects)) {
    for (const resource of rule.resources ?? []) {
      assert.ok(!FORBIDDEN_RESOURCES.includes(resource), `${name}: ${role} grants ${resource}`);
    }
  }
}

function grantsExactlyTheReads({ name, overlay, objects }: Rendering): void {
  const expected =
    overlay === 'embedded' ? [...READ_ONLY, ...KUBELET, ...POD_LOGS] : [...READ_ONLY, ...KUBELET];
  assert.deepEqual([...granted(objects)].sort(), expected.sort(), name);
}

async function grantsPodLogsOnlyForApiLogs(rendering: Rendering): Promise<void> {
  const { name, objects } = rendering;
  const podLogs = granted(objects).has('/pods/log:get');
  // What each collect pod runs comes from its flags over the rendered configuration.
  let logsThroughApi = false;
  for (const w of workloads(objects)) {
    const plan = await collectPlan(rendering, w);
    if (plan?.types.includes('logs') && plan.options.logs.source === 'api') {
      assert.equal(w.object.kind, 'Deployment', `${name}: logs through the API from a Deployment`);
      logsThroughApi = true;
    }
  }
  assert.equal(
    podLogs,
    logsThroughApi,
    `${name}: pods/log iff a Deployment follows logs through the API`,
  );
  const daemonSet = workloads(objects).some((w) => w.object.kind === 'DaemonSet');
  assert.ok(!(daemonSet && podLogs), `${name}: node logs come from files, not from the API`);
}

function bindsOnlyTheCollector({ name, objects }: Rendering): void {
  const bindings = objects.filter(
    (o) => o.kind === 'ClusterRoleBinding' || o.kind === 'RoleBinding',
  );
  assert.ok(bindings.length > 0);
  for (const binding of bindings) {
    assert.deepEqual(
      binding.subjects,
      [{ kind: 'ServiceAccount', name: 'plimsoll-collector', namespace: NAMESPACE }],
      `${name}: ${binding.metadata.name}`,
    );
  }
  // Roles are granted to pods only through bindings to the collector's ServiceAccount.
  for (const w of workloads(objects)) {
    if (w.pod.serviceAccountName !== 'plimsoll-collector') {
      assert.equal(w.pod.automountServiceAccountToken, false, `${name}: ${w.object.metadata.name}`);
    }
  }
}

export const RBAC_CHECKS: readonly Check[] = [
  { title: 'uses no wildcard verb, resource, group or non-resource URL', check: usesNoWildcard },
  {
    title: 'grants no write verb (create, update, patch, delete, escalate, bind, impersonate, ...)',
    check: onlyReads,
  },
  {
    title: 'grants no nodes/proxy, no secrets, no configmaps, no serviceaccounts/token',
    check: grantsNothingSensitive,
  },
  {
    title: 'grants exactly the inventory reads and the kubelet nodes/metrics and nodes/stats',
    check: grantsExactlyTheReads,
  },
  {
    title:
      'grants pods/log only with the API log path (embedded), never beside the node-logs DaemonSet',
    check: grantsPodLogsOnlyForApiLogs,
  },
  { title: 'binds the roles only to the collector ServiceAccount', check: bindsOnlyTheCollector },
];
