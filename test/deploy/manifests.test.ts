// The Kubernetes manifests (deploy/kubernetes): every overlay renders with `kubectl kustomize`,
// alone and with the optional components; every object is valid against the Kubernetes OpenAPI
// schemas and has no field the API server would reject as unknown; references between objects
// resolve; every pod meets the `restricted` Pod Security profile (but the node-logs DaemonSet's
// read-only /var/log/pods); the rendered configuration passes Plimsoll's own validation.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { before, describe, it } from 'node:test';
import * as clientNode from '@kubernetes/client-node';
import * as appsV1 from 'kubernetes-models/apps/v1';
import * as policyV1 from 'kubernetes-models/policy/v1';
import * as rbacV1 from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import * as coreV1 from 'kubernetes-models/v1';
import { parse as parseYaml } from 'yaml';
import { kafkaSecurity } from '../../bus/kafka.js';
import { environmentOverrides, loadConfig, validateConfig } from '../../core/config/load.js';
import { GRAFANA_DASHBOARDS_PATH } from '../../dashboards/build.js';
import {
  collectPlan,
  containersOf,
  KUSTOMIZE_DIR,
  localSecrets,
  matches,
  quantity,
  renderAll,
  ROOT,
  workloads,
  type K8sObject,
  type Rendering,
  type Workload,
} from './support.js';

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

function strictFieldErrors(object: K8sObject): string[] {
  const found: string[] = [];
  unknownFields(object, `V1${object.kind}`, object.kind, found);
  return found;
}

const id = (o: K8sObject) => `${o.kind}/${o.metadata.name}`;
const named = (objects: readonly K8sObject[], kind: string) =>
  objects.filter((o) => o.kind === kind);

/** The Secrets the manifests reference but do not create: the operator creates them. */
const EXTERNAL_SECRETS: Record<string, { key: string; required: boolean }> = {
  'plimsoll-api-tokens': { key: 'tokens', required: true },
  'plimsoll-elasticsearch': { key: 'password', required: true },
  'plimsoll-kafka': { key: 'password', required: true },
  'plimsoll-elasticsearch-ca': { key: 'ca.crt', required: false },
};

function configOf(rendering: Rendering): { object: K8sObject; text: string } {
  const maps = named(rendering.objects, 'ConfigMap').filter((o) =>
    o.metadata.name.startsWith('plimsoll-config'),
  );
  assert.equal(maps.length, 1, `${rendering.name}: one plimsoll-config ConfigMap`);
  const text = (maps[0]!.data as Record<string, string> | undefined)?.['plimsoll.yaml'];
  assert.ok(text, `${rendering.name}: the ConfigMap has a plimsoll.yaml key`);
  return { object: maps[0]!, text };
}

/** Where a container sees a file: the mount whose path is the file's directory. */
function mountedFile(workload: Workload, file: string) {
  const container = workload.pod.containers[0]!;
  const dir = file.slice(0, file.lastIndexOf('/'));
  const key = file.slice(file.lastIndexOf('/') + 1);
  const mount = container.volumeMounts?.find((m) => m.mountPath === dir);
  const volume = mount && workload.pod.volumes?.find((v) => v.name === mount.name);
  return { mount, volume, key };
}

describe('deploy/kubernetes', () => {
  let renderings: Rendering[] = [];

  before(async () => {
    renderings = await renderAll();
  });

  it('renders every overlay, alone and with the optional components', () => {
    assert.deepEqual(
      renderings.map((r) => r.name),
      [
        'production',
        'embedded',
        'production + service-monitor, grafana-provisioning',
        'embedded + service-monitor, grafana-provisioning',
      ],
    );
    const kinds = (r: Rendering) => new Set(r.objects.map((o) => o.kind));
    const production = renderings[0]!;
    assert.deepEqual(
      workloads(production.objects)
        .map((w) => `${w.object.kind}/${w.object.metadata.name}`)
        .sort(),
      [
        'DaemonSet/plimsoll-node-logs',
        'Deployment/plimsoll-analyzer',
        'Deployment/plimsoll-api',
        'Deployment/plimsoll-collector',
        'Deployment/plimsoll-ingest',
      ],
    );
    for (const kind of ['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding']) {
      assert.ok(kinds(production).has(kind), `production has a ${kind}`);
    }
    for (const kind of ['ConfigMap', 'Service', 'PodDisruptionBudget']) {
      assert.ok(kinds(production).has(kind), `production has a ${kind}`);
    }
    assert.deepEqual(
      workloads(renderings[1]!.objects).map((w) => id(w.object)),
      ['Deployment/plimsoll'],
    );
    assert.ok(kinds(renderings[2]!).has('ServiceMonitor'));
    assert.ok(!kinds(production).has('ServiceMonitor'), 'the ServiceMonitor is optional');
  });

  it('validates every object against the Kubernetes OpenAPI schemas (kubernetes-models)', () => {
    for (const rendering of renderings) {
      for (const object of rendering.objects) {
        if (object.apiVersion === 'monitoring.coreos.com/v1') continue; // a CRD: checked below
        const Model = modelOf(object);
        assert.ok(Model, `${rendering.name}: no schema for ${object.apiVersion} ${object.kind}`);
        assert.doesNotThrow(
          () => new Model(object).validate(),
          `${rendering.name}: ${id(object)} fails its schema`,
        );
      }
    }
  });

  it('has no field the API server would reject as unknown', () => {
    for (const rendering of renderings) {
      for (const object of rendering.objects) {
        if (object.apiVersion === 'monitoring.coreos.com/v1') continue;
        assert.deepEqual(strictFieldErrors(object), [], `${rendering.name}: ${id(object)}`);
      }
    }
  });

  it('would catch a wrong type and a misspelt field (the validators are not blind)', () => {
    const deployment = structuredClone(workloads(renderings[0]!.objects)[0]!.object);
    (deployment.spec as { replicas: unknown }).replicas = 'two';
    assert.throws(() => new appsV1.Deployment(deployment).validate(), /replicas/);
    const misspelt = structuredClone(workloads(renderings[0]!.objects)[0]!.object);
    const container = (misspelt.spec as { template: { spec: { containers: object[] } } }).template
      .spec.containers[0] as Record<string, unknown>;
    container.securityContext = { readOnlyRootFileSystem: true };
    assert.deepEqual(strictFieldErrors(misspelt), [
      `${misspelt.kind}.spec.template.spec.containers[0].securityContext.readOnlyRootFileSystem`,
    ]);
  });

  it('checks the ServiceMonitor structurally (the prometheus-operator models are not installed)', () => {
    for (const rendering of renderings.filter((r) => r.name.includes('service-monitor'))) {
      const [monitor, ...more] = named(rendering.objects, 'ServiceMonitor');
      assert.ok(monitor && more.length === 0, `${rendering.name}: one ServiceMonitor`);
      assert.equal(monitor.apiVersion, 'monitoring.coreos.com/v1');
      assert.equal(monitor.metadata.namespace, 'plimsoll');
      const spec = monitor.spec as {
        selector: { matchLabels: Record<string, string> };
        endpoints: { port: string; path: string; interval: string; scrapeTimeout: string }[];
        podTargetLabels?: string[];
      };
      assert.deepEqual(Object.keys(spec).sort(), ['endpoints', 'podTargetLabels', 'selector']);
      const services = named(rendering.objects, 'Service').filter((s) =>
        matches(spec.selector.matchLabels, s.metadata.labels ?? {}),
      );
      assert.equal(services.length, 1, 'the selector picks exactly the metrics Service');
      const service = services[0]!;
      const servicePorts = (service.spec as { ports: { name: string }[] }).ports.map((p) => p.name);
      const selector = (service.spec as { selector: Record<string, string> }).selector;
      const scraped = workloads(rendering.objects).filter((w) => matches(selector, w.podLabels));
      assert.equal(scraped.length, workloads(rendering.objects).length, 'every workload scraped');
      for (const endpoint of spec.endpoints) {
        assert.deepEqual(Object.keys(endpoint).sort(), [
          'interval',
          'path',
          'port',
          'scrapeTimeout',
        ]);
        assert.ok(servicePorts.includes(endpoint.port), `endpoint port ${endpoint.port}`);
        assert.equal(endpoint.path, '/metrics');
        assert.match(endpoint.interval, /^\d+[smh]$/);
        assert.ok(quantitySeconds(endpoint.scrapeTimeout) <= quantitySeconds(endpoint.interval));
      }
      for (const label of spec.podTargetLabels ?? []) {
        for (const w of scraped) assert.ok(label in w.podLabels, `${id(w.object)} has ${label}`);
      }
    }
  });

  it('puts every namespaced object in the plimsoll namespace', () => {
    const clusterScoped = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding']);
    for (const rendering of renderings) {
      assert.equal(named(rendering.objects, 'Namespace')[0]?.metadata.name, 'plimsoll');
      for (const object of rendering.objects) {
        if (clusterScoped.has(object.kind)) assert.equal(object.metadata.namespace, undefined);
        else
          assert.equal(object.metadata.namespace, 'plimsoll', `${rendering.name}: ${id(object)}`);
        assert.equal(object.metadata.labels?.['app.kubernetes.io/name'], 'plimsoll', id(object));
      }
    }
  });

  it('resolves every reference: ServiceAccounts, ConfigMaps, Secrets, volumes, selectors', () => {
    for (const rendering of renderings) {
      const { objects, name } = rendering;
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
            assert.ok(
              has('ConfigMap', volume.configMap.name),
              `${where}: ${volume.configMap.name}`,
            );
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
        for (const subject of binding.subjects as {
          kind: string;
          name: string;
          namespace: string;
        }[]) {
          assert.equal(subject.kind, 'ServiceAccount');
          assert.equal(subject.namespace, 'plimsoll');
          assert.ok(
            has('ServiceAccount', subject.name),
            `${name}: ${id(binding)} → ${subject.name}`,
          );
        }
      }
    }
  });

  it('documents every Secret the operator has to create', () => {
    const docs = readFileSync(join(ROOT, 'docs', 'deploy.md'), 'utf8');
    for (const [secret, { key }] of Object.entries(EXTERNAL_SECRETS)) {
      assert.ok(docs.includes(secret) && docs.includes(key), `docs/deploy.md explains ${secret}`);
    }
  });

  it('meets the restricted Pod Security profile, but the node-logs read-only hostPath', () => {
    for (const rendering of renderings) {
      for (const w of workloads(rendering.objects)) {
        const where = `${rendering.name}: ${id(w.object)}`;
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
      const namespace = named(rendering.objects, 'Namespace')[0]!;
      const labels = namespace.metadata.labels ?? {};
      const hasHostPath = workloads(rendering.objects).some((w) =>
        w.pod.volumes?.some((v) => v.hostPath),
      );
      assert.equal(
        labels['pod-security.kubernetes.io/enforce'],
        hasHostPath ? 'privileged' : 'restricted',
      );
      assert.equal(labels['pod-security.kubernetes.io/warn'], 'restricted');
      assert.equal(labels['pod-security.kubernetes.io/audit'], 'restricted');
    }
  });

  it('sets requests and limits on every container, with the V8 heap inside the memory limit', () => {
    for (const rendering of renderings) {
      for (const w of workloads(rendering.objects)) {
        for (const c of containersOf(w.pod)) {
          const where = `${rendering.name}: ${id(w.object)}/${c.name}`;
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
          assert.ok(
            heapBytes <= 0.8 * quantity(limits.memory!),
            `${where}: heap ≤ 80% of the limit`,
          );
        }
      }
    }
  });

  it('pins every image to a version', () => {
    for (const rendering of renderings) {
      for (const w of workloads(rendering.objects)) {
        for (const c of containersOf(w.pod)) {
          assert.match(
            c.image ?? '',
            /^[a-z0-9./-]+:\d+\.\d+\.\d+$/,
            `${rendering.name}: ${c.image}`,
          );
        }
      }
    }
  });

  it('sets only environment variables Plimsoll knows', () => {
    const known = new Set(['PLIMSOLL_CONFIG', ...environmentOverrides().map((o) => o.env)]);
    for (const rendering of renderings) {
      for (const w of workloads(rendering.objects)) {
        for (const c of containersOf(w.pod)) {
          for (const { name } of c.env ?? []) {
            if (name.startsWith('PLIMSOLL_'))
              assert.ok(known.has(name), `${id(w.object)}: ${name}`);
          }
        }
      }
    }
  });

  it("renders a ConfigMap that Plimsoll's own config validation accepts", () => {
    for (const rendering of renderings) {
      const { text } = configOf(rendering);
      const config = validateConfig(parseYaml(text), `${rendering.name} ConfigMap`);
      const expected =
        rendering.overlay === 'production' ? ['kafka', 'elasticsearch'] : ['embedded', 'memory'];
      assert.deepEqual([config.runtime.bus, config.runtime.store], expected, rendering.name);
      // Off loopback the API refuses to start without tokens: the config must name the file.
      assert.equal(config.api.host, '0.0.0.0');
      assert.ok(config.api.tokensFile, `${rendering.name}: api.tokensFile`);
      assert.equal(config.api.metricsPublic, true, 'Prometheus scrapes without a token');
    }
  });

  it('mounts the configuration and every secret file the configuration names, in every pod', () => {
    for (const rendering of renderings) {
      const { object, text } = configOf(rendering);
      const config = validateConfig(parseYaml(text));
      const files: [string, string][] = [['api.tokensFile', config.api.tokensFile!]];
      if (config.runtime.store === 'elasticsearch') {
        assert.ok(
          config.elasticsearch.passwordFile,
          'the Elasticsearch password comes from a file',
        );
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
  });

  it('loads the rendered configuration with its secret files, as a pod would', () => {
    const dir = mkdtempSync(join(tmpdir(), 'plimsoll-deploy-config-'));
    try {
      for (const rendering of renderings) {
        const { text } = configOf(rendering);
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
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs every collect pod from the configuration, with at most its --collectors flag', async () => {
    for (const rendering of renderings) {
      for (const w of workloads(rendering.objects)) {
        const args = w.pod.containers[0]!.args ?? [];
        if (args[0] !== 'collect') continue;
        const flags = args.filter((a) => a.startsWith('-') && a !== '--collectors');
        assert.deepEqual(
          flags,
          [],
          `${rendering.name}: ${id(w.object)} sets its options in the config`,
        );
        assert.ok(await collectPlan(rendering, w), `${rendering.name}: ${id(w.object)} plans`);
      }
    }
  });

  it('gives each collector role what it needs: cluster collectors in-cluster, node logs from files', async () => {
    for (const rendering of renderings) {
      for (const w of workloads(rendering.objects)) {
        const plan = await collectPlan(rendering, w);
        if (!plan) continue;
        const where = `${rendering.name}: ${id(w.object)}`;
        const container = w.pod.containers[0]!;
        const writable = (file: string | undefined) => {
          assert.ok(file, `${where}: checkpoints are kept`);
          const mount = container.volumeMounts?.find((m) => file.startsWith(`${m.mountPath}/`));
          const volume = w.pod.volumes?.find((v) => v.name === mount?.name);
          assert.ok(
            volume?.emptyDir && !mount?.readOnly,
            `${where}: ${file} on a writable emptyDir`,
          );
        };
        const name = id(w.object);
        if (name === 'DaemonSet/plimsoll-node-logs') {
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
  });
});

function quantitySeconds(duration: string): number {
  const match = /^(\d+)([smh])$/.exec(duration);
  assert.ok(match, `duration ${duration}`);
  return Number(match[1]) * { s: 1, m: 60, h: 3600 }[match[2] as 's' | 'm' | 'h'];
}

describe('deploy/kubernetes/components/grafana-provisioning', () => {
  const generated = join(ROOT, 'dashboards', 'generated');
  const copy = join(KUSTOMIZE_DIR, 'components', 'grafana-provisioning', 'files');
  const list = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory()
        ? list(join(dir, entry.name)).map((f) => `${entry.name}/${f}`)
        : [entry.name],
    );
  // dashboards/generated/x.json → files/dashboards/x.json; provisioning/... keeps its path.
  const target = (file: string) => (file.includes('/') ? file : `dashboards/${file}`);

  it('holds the content of dashboards/generated (kustomize reads only under its root)', () => {
    // The copy is prettier-formatted (the repository's format check covers it; the generated
    // originals are exempt), so files are compared as parsed JSON / YAML, not byte for byte.
    const refresh =
      `refresh it: cp dashboards/generated/*.json ${relative(ROOT, copy)}/dashboards/ && ` +
      `cp -r dashboards/generated/provisioning ${relative(ROOT, copy)}/ && ` +
      `npx prettier --write ${relative(ROOT, copy)}`;
    const sources = list(generated).sort();
    assert.deepEqual(list(copy).sort(), sources.map(target).sort(), `files differ; ${refresh}`);
    const parse = (file: string): unknown => {
      const text = readFileSync(file, 'utf8');
      return file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
    };
    for (const file of sources) {
      assert.deepEqual(
        parse(join(copy, target(file))),
        parse(join(generated, file)),
        `${target(file)} drifted from dashboards/generated/${file}; ${refresh}`,
      );
    }
  });

  it('renders ConfigMaps holding every dashboard and both provisioning files', async () => {
    const rendering = (await renderAll()).find((r) => r.name.includes('grafana-provisioning'))!;
    const data = (name: string) =>
      (rendering.objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name)?.data ??
        {}) as Record<string, string>;
    const dashboards = readdirSync(generated).filter((f) => f.endsWith('.json'));
    assert.deepEqual(Object.keys(data('plimsoll-grafana-dashboards')).sort(), dashboards.sort());
    assert.deepEqual(Object.keys(data('plimsoll-grafana-datasources')), ['plimsoll.yaml']);
    const provider = parseYaml(data('plimsoll-grafana-dashboard-provider')['plimsoll.yaml']!) as {
      providers: { options: { path: string } }[];
    };
    assert.equal(provider.providers[0]!.options.path, GRAFANA_DASHBOARDS_PATH);
  });
});
