// The collectors and analyzers on a cluster nobody here wrote: a real kube-apiserver, the real
// scheduler placing pods by their requests, the real controllers naming ReplicaSets and pods, and
// kwok playing the kubelets, with Stages that OOM-kill a container again and again and flap a
// node under memory pressure. What the kubernetes collector emits is checked against what the
// API server holds, and the analyzers judge the records it stored: the looping container gets one
// OOM-loop finding whose kills are the terminations kwok applied, its healthy neighbour none; the
// flapping node gets one flapping finding counting the flaps the API server saw, the others none.
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
import { createAnalyzers, FLAPPING_ANALYZER } from '../../analyzers/index.js';
import { AnalyzerRunner } from '../../analyzers/runner.js';
import { flappingSettings } from '../../analyzers/settings.js';
import { ClientNodeKubeApi } from '../../collectors/kubernetes/api.js';
import { KubernetesCollector, kubernetesDefaults } from '../../collectors/kubernetes/collector.js';
import type { RecordSink } from '../../collectors/publisher.js';
import type { ContainerTermination, NodeTransition, Pod } from '../../core/domain.js';
import type { AnyEnvelope } from '../../core/envelope.js';
import { evidenceOf } from '../../core/evidence.js';
import { MemoryStore } from '../../store/memory.js';
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
  const store = new MemoryStore();
  const records: AnyEnvelope[] = [];
  let collector: KubernetesCollector;
  let namespace = '';
  const id = Date.now().toString(36);
  const kwokNode = `pool-a-${id}`;
  const flipNode = `flip-${id}`;
  const flappingNode = `pool-b-${id}`;
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
      emit: async (batch) => {
        records.push(...batch);
        await store.write(batch);
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

  it('judges the container kwok OOM-kills in a loop, and only that one, from what it stored', async () => {
    const template = (name: string, annotations: Record<string, string>) => ({
      metadata: { name },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name }, annotations },
          spec: { nodeSelector: testLabel, containers: [container(name, '250m', '512Mi', '1Gi')] },
        },
      },
    });
    await apps().createNamespacedDeployment({
      namespace,
      body: template('ledger', { 'plimsoll.dev/oom-every': '3s' }),
    });
    await apps().createNamespacedDeployment({ namespace, body: template('catalog', {}) });
    const kills = await waitFor(
      () =>
        ofKind<ContainerTermination>(
          'container_termination',
          (t) => t.namespace === namespace && t.container === 'ledger',
        ),
      (list) => list.length >= 3,
      { timeoutMs: 90_000, what: 'three OOM kills of the ledger container' },
    );
    for (const kill of kills) {
      assert.equal(kill.termination.reason, 'OOMKilled');
      assert.equal(kill.termination.exitCode, 137);
      assert.deepEqual(kill.workload, { namespace, kind: 'Deployment', name: 'ledger' });
      assert.equal(kill.limits.memoryBytes, GiB);
    }
    const restartCounts = kills.map((k) => k.restartCount);
    assert.equal(new Set(restartCounts).size, restartCounts.length, 'each kill emitted once');

    const runner = new AnalyzerRunner({
      cluster: CLUSTER,
      analyzers: createAnalyzers(),
      reader: store,
      findings: store,
    });
    await runner.run();
    const { items } = await store.findings({ cluster: CLUSTER, kinds: ['oom_loop'] });
    const loops = items.filter(
      (f) => f.subject.type === 'workload_container' && f.subject.workload.namespace === namespace,
    );
    assert.deepEqual(
      loops.map((f) => f.subject.type === 'workload_container' && f.subject.container),
      ['ledger'],
    );
    const stored = await store.terminations({
      cluster: CLUSTER,
      namespace,
      window: { from: 0, to: Date.now() },
    });
    const evidence = evidenceOf(loops[0]!, 'oom_loop');
    assert.ok(evidence, 'the finding carries OOM-loop evidence');
    assert.equal(evidence.killCount, stored.filter((t) => t.container === 'ledger').length);
    assert.deepEqual(evidence.exitCodes, { '137': evidence.killCount });
  });
  it('judges the node kwok flaps under memory pressure, counting the flaps the API server saw', async () => {
    await core().createNode({
      body: {
        metadata: {
          name: flappingNode,
          labels: testLabel,
          annotations: { 'kwok.x-k8s.io/node': 'fake', 'plimsoll.dev/flap-every': '3s' },
        },
        status: {
          capacity: { cpu: '2', memory: '4Gi', pods: '110' },
          allocatable: { cpu: '2', memory: '4Gi', pods: '110' },
        },
      },
    });
    const readyLost = () =>
      ofKind<NodeTransition>(
        'node_transition',
        (t) => t.node === flappingNode && t.condition === 'Ready' && t.from === 'True',
      );
    await waitFor(readyLost, (list) => list.length >= 3, {
      timeoutMs: 90_000,
      what: 'the node to lose Ready three times',
    });
    await waitFor(
      () =>
        ofKind<{ reason: string; involvedObject: { name: string } }>(
          'kube_event',
          (e) => e.reason === 'EvictionThresholdMet' && e.involvedObject.name === flappingNode,
        ),
      (events) => events.length > 0,
      { timeoutMs: 30_000, what: "the kubelet's EvictionThresholdMet event" },
    );
    // Flaps seconds apart: merged only when closer than a second, not the five minutes of a reboot.
    const runner = new AnalyzerRunner({
      cluster: CLUSTER,
      analyzers: createAnalyzers({ flapping: flappingSettings({ mergeMs: 1_000 }) }, [
        FLAPPING_ANALYZER,
      ]),
      reader: store,
      findings: store,
    });
    await runner.run();
    const { items } = await store.findings({ cluster: CLUSTER, kinds: ['node_memory_flapping'] });
    const flapping = items.filter((f) => f.subject.type === 'node');
    assert.deepEqual(
      flapping.map((f) => f.subject.type === 'node' && f.subject.node),
      [flappingNode],
      'only the flapping node, not the pool node or the one the test flipped',
    );
    const stored = await store.nodeTransitions({
      cluster: CLUSTER,
      node: flappingNode,
      window: { from: 0, to: Date.now() },
    });
    const evidence = evidenceOf(flapping[0]!, 'node_memory_flapping');
    assert.ok(evidence, 'the finding carries flapping evidence');
    const lostReady = stored.filter((t) => t.condition === 'Ready' && t.from === 'True').length;
    assert.equal(evidence.notReadyFlaps, lostReady);
    assert.equal(evidence.memoryPressureFlaps, lostReady);
  });
});
