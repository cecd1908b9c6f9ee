// The kubernetes collector on a cluster nobody here wrote: a real kube-apiserver, the real
// scheduler placing pods by their requests and the real controllers naming ReplicaSets and pods,
// kwok playing the kubelet of the pool node. What the collector emits is checked against what the
// API server holds: node conditions turned through nodes/status, pods placed and left Pending,
// their owners, and the scheduler's own events. (test/kube/scenario.test.ts judges the findings.)
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  AppsV1Api,
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1Container,
} from '@kubernetes/client-node';
import { ClientNodeKubeApi } from '../../collectors/kubernetes/api.js';
import { KubernetesCollector, kubernetesDefaults } from '../../collectors/kubernetes/collector.js';
import type { RecordSink } from '../../collectors/publisher.js';
import type { NodeTransition, Pod } from '../../core/domain.js';
import type { AnyEnvelope } from '../../core/envelope.js';
import { memoryPipeline } from '../collectors/support.js';
import { adminConfig, freshNamespace } from '../support/kube.js';
import { requireServices } from '../support/services.js';
import { waitFor } from '../support/wait.js';

const CLUSTER = 'kube-local';
const GiB = 1024 ** 3;

function container(name: string, cpu: string, memory: string, limit: string): V1Container {
  return {
    name,
    image: `registry.local/${name}:1`,
    resources: { requests: { cpu, memory }, limits: { memory: limit } },
  };
}

describe('collectors and analyzers on a real control plane', { timeout: 10 * 60_000 }, () => {
  const admin = () => adminConfig();
  const core = () => admin().makeApiClient(CoreV1Api);
  const apps = () => admin().makeApiClient(AppsV1Api);
  const records: AnyEnvelope[] = [];
  let collector: KubernetesCollector;
  let namespace = '';
  const id = Date.now().toString(36);
  const kwokNode = `pool-a-${id}`;
  const flipNode = `flip-${id}`;
  const testLabel = { 'plimsoll.dev/test': id };

  const ofKind = <T>(kind: string, where: (payload: T) => boolean = () => true): T[] =>
    records
      .filter((r) => r.kind === kind)
      .map((r) => r.payload as T)
      .filter(where);
  const latestPods = (): Map<string, Pod> => {
    const latest = new Map<string, Pod>();
    for (const pod of ofKind<Pod>('pod', (p) => p.namespace === namespace))
      latest.set(pod.name, pod);
    return latest;
  };

  before(async () => {
    await requireServices('kube');
    namespace = await freshNamespace('cluster');
    // A node pool as clouds make them: 4 CPU and 16 GiB, of which the kubelet reserves 0.5 CPU
    // and 1.5 GiB for the system; kwok plays its kubelet and keeps it Ready.
    await core().createNode({
      body: {
        metadata: {
          name: kwokNode,
          labels: { ...testLabel, 'node.kubernetes.io/instance-type': 'm5.xlarge' },
          annotations: { 'kwok.x-k8s.io/node': 'fake' },
        },
        status: {
          capacity: { cpu: '4', memory: '16Gi', pods: '110' },
          allocatable: { cpu: '3500m', memory: `${16 * GiB - 1.5 * GiB}`, pods: '110' },
        },
      },
    });
    const publisher: RecordSink = {
      emit: (batch) => {
        records.push(...batch);
        return Promise.resolve();
      },
      onDelivered: () => () => undefined,
      flush: () => Promise.resolve(true),
    };
    const { deps } = memoryPipeline();
    collector = new KubernetesCollector(
      new ClientNodeKubeApi(admin()),
      {
        ...kubernetesDefaults,
        checkpointFile: join(mkdtempSync(join(tmpdir(), 'plimsoll-kube-')), 'checkpoint.json'),
      },
      { ...deps, cluster: CLUSTER, publisher },
    );
    await collector.start();
    await waitFor(
      () => collector.health(),
      (h) => h.ready,
      { timeoutMs: 60_000, what: 'the collector to list nodes, pods and events' },
    );
  });

  after(async () => {
    await collector?.stop();
    if (namespace) await core().deleteNamespace({ name: namespace });
    for (const name of [kwokNode, flipNode])
      await core()
        .deleteNode({ name })
        .catch(() => undefined);
  });

  it('emits one node transition per condition change made through nodes/status', async () => {
    // A node no kubelet updates: the test turns its conditions through nodes/status, within
    // seconds of creating it (after about 50 s without a heartbeat the node lifecycle controller
    // would mark it Unknown, as it should).
    await core().createNode({ body: { metadata: { name: flipNode, labels: testLabel } } });
    // A strategic-merge patch of the status, as a kubelet sends it: no resourceVersion to race
    // with the controllers that annotate a new node.
    const setConditions = async (ready: string, memoryPressure: string) => {
      const now = new Date().toISOString();
      const condition = (type: string, status: string, reason: string) => ({
        type,
        status,
        reason,
        lastHeartbeatTime: now,
        lastTransitionTime: now,
      });
      await core().patchNodeStatus(
        {
          name: flipNode,
          body: {
            status: {
              conditions: [
                condition('Ready', ready, 'KubeletReady'),
                condition('MemoryPressure', memoryPressure, 'KubeletHasInsufficientMemory'),
              ],
            },
          },
        },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      );
    };
    const transitions = () =>
      ofKind<NodeTransition>('node_transition', (t) => t.node === flipNode).map(
        (t) => `${t.condition}:${t.from}->${t.to}`,
      );
    const steps: [string, string, string[]][] = [
      ['True', 'False', ['Ready:Absent->True', 'MemoryPressure:Absent->False']],
      ['False', 'True', ['Ready:True->False', 'MemoryPressure:False->True']],
      ['True', 'False', ['Ready:False->True', 'MemoryPressure:True->False']],
    ];
    const expected: string[] = [];
    for (const [ready, pressure, produced] of steps) {
      await setConditions(ready, pressure);
      expected.push(...produced);
      await waitFor(transitions, (seen) => seen.length >= expected.length, {
        timeoutMs: 30_000,
        what: `transitions ${expected.join(', ')}`,
      });
    }
    assert.deepEqual(transitions().sort(), [...expected].sort());
  });

  it('emits the pods the real scheduler placed by their requests, and the one it could not place', async () => {
    // Three replicas of 1.5 CPU on 3.5 allocatable: two fit, the third stays Pending.
    await apps().createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'checkout' },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: 'checkout' } },
          template: {
            metadata: { labels: { app: 'checkout' } },
            spec: {
              nodeSelector: testLabel,
              containers: [container('checkout', '1500m', '2Gi', '3Gi')],
            },
          },
        },
      },
    });
    const pods = await waitFor(
      () => [...latestPods().values()].filter((p) => p.name.startsWith('checkout-')),
      (list) =>
        list.length === 3 &&
        list.filter((p) => p.phase === 'Running' && p.nodeName === kwokNode).length === 2 &&
        list.some((p) => p.phase === 'Pending' && !p.nodeName),
      { timeoutMs: 90_000, what: 'two checkout pods Running on the pool node and one Pending' },
    );
    const { items } = await core().listNamespacedPod({ namespace, labelSelector: 'app=checkout' });
    assert.deepEqual(
      pods.map((p) => p.name).sort(),
      items.map((p) => p.metadata!.name!).sort(),
      'the same pods the API server holds',
    );
    for (const pod of pods) {
      // Named through the ReplicaSet the controller made (checkout-<pod-template-hash>-<suffix>).
      assert.match(pod.name, /^checkout-[a-z0-9]{8,10}-[a-z0-9]{5}$/);
      assert.deepEqual(pod.workload, { namespace, kind: 'Deployment', name: 'checkout' });
      assert.equal(pod.containers[0]!.resources.requests.cpuCores, 1.5);
    }
    const pending = pods.find((p) => p.phase === 'Pending')!;
    await waitFor(
      () =>
        ofKind<{ reason: string; involvedObject: { name: string } }>(
          'kube_event',
          (e) => e.reason === 'FailedScheduling' && e.involvedObject.name === pending.name,
        ),
      (events) => events.length > 0,
      { timeoutMs: 60_000, what: "the scheduler's FailedScheduling event for the pending pod" },
    );
  });
});
