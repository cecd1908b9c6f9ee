// Least privilege, proven by the real authorizer: deploy/'s ServiceAccounts, ClusterRoles and
// bindings applied to a real kube-apiserver (RBAC mode), each role given its own bound token. The
// collector's token runs the kubernetes collector to a full sync with no error, is allowed the
// kubelet and pod-log reads its other collectors make, and is refused — with 403 from the API
// server itself — a write, a Secret read and nodes/proxy. The roles that need no API access get
// nothing at all.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { after, before, describe, it } from 'node:test';
import {
  AuthorizationV1Api,
  CoreV1Api,
  KubernetesObjectApi,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { KubernetesCollector, kubernetesDefaults } from '../../collectors/kubernetes/collector.js';
import { ClientNodeKubeApi, loadKubeConfig } from '../../collectors/kubernetes/api.js';
import type { RecordSink } from '../../collectors/publisher.js';
import { memoryPipeline } from '../collectors/support.js';
import { renderWithComponents, type K8sObject } from '../deploy/support.js';
import { adminConfig, freshNamespace, serviceAccountKubeconfig, whoAmI } from '../support/kube.js';
import { requireServices } from '../support/services.js';
import { waitFor } from '../support/wait.js';

const RBAC_KINDS = new Set([
  'Namespace',
  'ServiceAccount',
  'ClusterRole',
  'ClusterRoleBinding',
  'Role',
  'RoleBinding',
]);

const nameOf = (payload: unknown) => {
  const name = (payload as { name?: unknown }).name;
  return typeof name === 'string' ? name : '';
};

/** Creates the object, or replaces the one already there (the control plane outlives a run). */
async function apply(client: KubernetesObjectApi, object: K8sObject): Promise<void> {
  const spec = object as KubernetesObject;
  try {
    const current = await client.read({
      apiVersion: object.apiVersion,
      kind: object.kind,
      metadata: { name: object.metadata.name, namespace: object.metadata.namespace ?? '' },
    });
    await client.replace({
      ...spec,
      metadata: { ...spec.metadata, resourceVersion: current.metadata?.resourceVersion },
    });
  } catch (error) {
    if ((error as { code?: number }).code !== 404) throw error;
    await client.create(spec);
  }
}

/** The HTTP status the API server answers a request with, as this identity. */
function statusOf(
  kc: KubeConfig,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; text: string }> {
  const cluster = kc.getCurrentCluster()!;
  const token = kc.getCurrentUser()!.token!;
  const contentType = method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, cluster.server),
      {
        method,
        ca: readFileSync(cluster.caFile!),
        headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
        timeout: 10_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in 10 s`)));
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

async function allowed(
  kc: KubeConfig,
  attributes: { verb: string; resource: string; subresource?: string; group?: string },
) {
  const review = await kc.makeApiClient(AuthorizationV1Api).createSelfSubjectAccessReview({
    body: { spec: { resourceAttributes: { ...attributes } } },
  });
  return review.status?.allowed === true;
}

describe('RBAC of deploy/ under the real authorizer', { timeout: 10 * 60_000 }, () => {
  const identities = new Map<string, KubeConfig>();
  let node = '';
  let workloadNamespace = '';

  before(async () => {
    await requireServices('kube');
    const rendering = await renderWithComponents('production', ['api-logs']);
    const client = KubernetesObjectApi.makeApiClient(adminConfig());
    const rbac = rendering.objects.filter((o) => RBAC_KINDS.has(o.kind));
    // Namespaces and accounts first, so bindings name subjects that exist.
    rbac.sort((a, b) => Number(b.kind === 'Namespace') - Number(a.kind === 'Namespace'));
    for (const object of rbac) await apply(client, object);
    for (const account of rbac.filter((o) => o.kind === 'ServiceAccount')) {
      const file = await serviceAccountKubeconfig(
        account.metadata.namespace ?? 'plimsoll',
        account.metadata.name,
      );
      identities.set(account.metadata.name, loadKubeConfig({ kubeconfig: file }));
    }
    const core = adminConfig().makeApiClient(CoreV1Api);
    node = `rbac-${Date.now().toString(36)}`;
    await core.createNode({ body: { metadata: { name: node } } });
    workloadNamespace = await freshNamespace('rbac');
    await core.createNamespacedPod({
      namespace: workloadNamespace,
      body: {
        metadata: { name: 'app' },
        spec: { nodeName: node, containers: [{ name: 'app', image: 'registry.local/app:1' }] },
      },
    });
  });

  after(async () => {
    const core = adminConfig().makeApiClient(CoreV1Api);
    if (workloadNamespace) await core.deleteNamespace({ name: workloadNamespace });
    if (node) await core.deleteNode({ name: node });
  });

  it('gives every ServiceAccount of deploy/ a token the API server accepts as that account', async () => {
    assert.deepEqual([...identities.keys()].sort(), [
      'plimsoll-api',
      'plimsoll-collector',
      'plimsoll-ingest',
      'plimsoll-node-logs',
    ]);
    for (const [name, kc] of identities) {
      assert.equal(await whoAmI(kc), `system:serviceaccount:plimsoll:${name}`);
    }
  });

  it("runs the kubernetes collector on the collector's token to a full sync, with no error", async () => {
    const kc = identities.get('plimsoll-collector')!;
    const { deps, telemetry } = memoryPipeline();
    const records: { kind: string; name: string }[] = [];
    const publisher: RecordSink = {
      emit: (batch) => {
        for (const r of batch) records.push({ kind: r.kind, name: nameOf(r.payload) });
        return Promise.resolve();
      },
      onDelivered: () => () => undefined,
      flush: () => Promise.resolve(true),
    };
    const collector = new KubernetesCollector(new ClientNodeKubeApi(kc), kubernetesDefaults, {
      ...deps,
      publisher,
    });
    await collector.start();
    try {
      await waitFor(
        () => collector.health(),
        (h) => h.ready,
        { timeoutMs: 60_000, what: 'the collector to list nodes, pods and events' },
      );
      await waitFor(
        () => records.filter((r) => r.name === node || r.name === 'app').map((r) => r.kind),
        (kinds) => kinds.includes('node') && kinds.includes('pod'),
        { timeoutMs: 30_000, what: "the node's and the pod's snapshots" },
      );
      const errors = await telemetry.registry
        .getSingleMetric('plimsoll_collector_errors_total')
        ?.get();
      const failed = (errors?.values ?? []).filter((v) => v.value > 0);
      assert.deepEqual(failed, [], 'no list or watch was refused or failed');
    } finally {
      await collector.stop();
    }
  });

  it('allows the collector the kubelet and pod-log reads its other collectors make', async () => {
    const kc = identities.get('plimsoll-collector')!;
    for (const subresource of ['metrics', 'stats']) {
      assert.ok(await allowed(kc, { verb: 'get', resource: 'nodes', subresource }), subresource);
    }
    assert.ok(await allowed(kc, { verb: 'get', resource: 'pods', subresource: 'log' }));
    for (const [group, resource] of [
      ['apps', 'replicasets'],
      ['apps', 'deployments'],
      ['batch', 'jobs'],
      ['batch', 'cronjobs'],
    ] as const) {
      assert.ok(await allowed(kc, { verb: 'watch', resource, group }), resource);
    }
  });

  it('refuses the collector a write, a Secret read and nodes/proxy, with 403 from the API server', async () => {
    const kc = identities.get('plimsoll-collector')!;
    const refused = [
      await statusOf(kc, 'GET', `/api/v1/namespaces/${workloadNamespace}/secrets`),
      await statusOf(kc, 'GET', `/api/v1/nodes/${node}/proxy/metrics`),
      await statusOf(kc, 'POST', `/api/v1/namespaces/${workloadNamespace}/pods`, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'intruder' },
        spec: { containers: [{ name: 'c', image: 'x' }] },
      }),
      await statusOf(kc, 'DELETE', `/api/v1/namespaces/${workloadNamespace}/pods/app`),
      await statusOf(kc, 'PATCH', `/api/v1/nodes/${node}`, {}),
    ];
    for (const { status, text } of refused) {
      assert.equal(status, 403, text);
      assert.match(text, /system:serviceaccount:plimsoll:plimsoll-collector/);
    }
  });

  it('gives the roles that need no Kubernetes API nothing at all', async () => {
    for (const name of ['plimsoll-api', 'plimsoll-ingest', 'plimsoll-node-logs']) {
      const kc = identities.get(name)!;
      const { status } = await statusOf(kc, 'GET', '/api/v1/nodes');
      assert.equal(status, 403, `${name} lists nodes`);
      assert.equal(await allowed(kc, { verb: 'get', resource: 'pods' }), false, name);
    }
    // The same collector on such a token never syncs, and says why.
    const { deps } = memoryPipeline();
    const collector = new KubernetesCollector(
      new ClientNodeKubeApi(identities.get('plimsoll-api')!),
      kubernetesDefaults,
      deps,
    );
    await collector.start();
    try {
      const health = await waitFor(
        () => collector.health(),
        (h) => /forbidden|403/i.test(h.detail ?? ''),
        { timeoutMs: 30_000, what: 'the collector to report the refusal' },
      );
      assert.equal(health.ready, false);
    } finally {
      await collector.stop();
    }
  });
});
