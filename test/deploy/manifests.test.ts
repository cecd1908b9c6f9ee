// The Kubernetes manifests (deploy/kubernetes): every overlay renders with `kubectl kustomize`,
// alone and with the optional components; every object is valid against the Kubernetes OpenAPI
// schemas and has no field the API server would reject as unknown; references between objects
// resolve; every pod meets the `restricted` Pod Security profile (but the node-logs DaemonSet's
// read-only /var/log/pods); the rendered configuration passes Plimsoll's own validation.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import * as appsV1 from 'kubernetes-models/apps/v1';
import { parse as parseYaml } from 'yaml';
import { GRAFANA_DASHBOARDS_PATH } from '../../dashboards/build.js';
import { drift, driftMessage, KUSTOMIZE_GRAFANA } from '../../scripts/deploy-copies.js';
import {
  EXTERNAL_SECRETS,
  id,
  MANIFEST_CHECKS,
  mountsHostPath,
  named,
  runChecks,
  strictFieldErrors,
} from './checks.js';
import { renderAll, ROOT, workloads, type Rendering } from './support.js';

const TIMEOUT = 120_000;

describe('deploy/kubernetes', { timeout: 10 * 60_000 }, () => {
  let renderings: Rendering[] = [];

  before(async () => {
    renderings = await renderAll();
  });

  it('renders every overlay, alone and with the optional components', { timeout: TIMEOUT }, () => {
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
        .map((w) => id(w.object))
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
    for (const rendering of renderings) {
      assert.equal(named(rendering.objects, 'Namespace')[0]?.metadata.name, 'plimsoll');
    }
  });

  runChecks(MANIFEST_CHECKS, () => renderings, TIMEOUT);

  it(
    'would catch a wrong type and a misspelt field (the validators are not blind)',
    { timeout: TIMEOUT },
    () => {
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
    },
  );

  it('documents every Secret the operator has to create', { timeout: TIMEOUT }, () => {
    const docs = readFileSync(join(ROOT, 'docs', 'deploy.md'), 'utf8');
    for (const [secret, { key }] of Object.entries(EXTERNAL_SECRETS)) {
      assert.ok(docs.includes(secret) && docs.includes(key), `docs/deploy.md explains ${secret}`);
    }
  });

  it(
    'labels the namespace restricted, enforcing privileged only beside the node-logs hostPath',
    { timeout: TIMEOUT },
    () => {
      for (const rendering of renderings) {
        const labels = named(rendering.objects, 'Namespace')[0]!.metadata.labels ?? {};
        assert.equal(
          labels['pod-security.kubernetes.io/enforce'],
          mountsHostPath(rendering.objects) ? 'privileged' : 'restricted',
          rendering.name,
        );
        assert.equal(labels['pod-security.kubernetes.io/warn'], 'restricted');
        assert.equal(labels['pod-security.kubernetes.io/audit'], 'restricted');
      }
    },
  );
});

describe('deploy/kubernetes/components/grafana-provisioning', { timeout: 5 * 60_000 }, () => {
  it(
    'holds the content of dashboards/generated (kustomize reads only under its root)',
    { timeout: TIMEOUT },
    () => {
      const problems = drift(KUSTOMIZE_GRAFANA);
      assert.deepEqual(problems, [], driftMessage(KUSTOMIZE_GRAFANA, problems));
    },
  );

  it(
    'renders ConfigMaps holding every dashboard and both provisioning files',
    { timeout: TIMEOUT },
    async () => {
      const rendering = (await renderAll()).find((r) => r.name.includes('grafana-provisioning'))!;
      const data = (name: string) =>
        (rendering.objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name)?.data ??
          {}) as Record<string, string>;
      const dashboards = readdirSync(join(ROOT, 'dashboards', 'generated')).filter((f) =>
        f.endsWith('.json'),
      );
      assert.deepEqual(Object.keys(data('plimsoll-grafana-dashboards')).sort(), dashboards.sort());
      assert.deepEqual(Object.keys(data('plimsoll-grafana-datasources')), ['plimsoll.yaml']);
      const provider = parseYaml(data('plimsoll-grafana-dashboard-provider')['plimsoll.yaml']!) as {
        providers: { options: { path: string } }[];
      };
      assert.equal(provider.providers[0]!.options.path, GRAFANA_DASHBOARDS_PATH);
    },
  );
});
