// A scenario judged end to end on a real control plane, the third evaluation path beside the
// simulator and Prometheus: node pools with system reservations, a Deployment, a StatefulSet whose
// container kwok OOM-kills in a loop, a DaemonSet without limits, a CronJob, and a small pool whose
// node flaps under memory pressure. The kubernetes collector watches the API server, its records
// are stored, the analyzers run over them, and the findings are compared with what the scenario
// made the cluster do: every loop and every flapping node found, nothing else.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAnalyzers } from '../../analyzers/index.js';
import { AnalyzerRunner } from '../../analyzers/runner.js';
import { flappingSettings } from '../../analyzers/settings.js';
import { ClientNodeKubeApi } from '../../collectors/kubernetes/api.js';
import { KubernetesCollector, kubernetesDefaults } from '../../collectors/kubernetes/collector.js';
import type { RecordSink } from '../../collectors/publisher.js';
import type { ContainerTermination, Finding, Pod } from '../../core/domain.js';
import type { AnyEnvelope } from '../../core/envelope.js';
import { evidenceOf } from '../../core/evidence.js';
import {
  allocatable,
  applyScenario,
  type AppliedScenario,
  type Scenario,
} from '../../eval/kube/scenario.js';
import { MemoryStore } from '../../store/memory.js';
import { memoryPipeline } from '../collectors/support.js';
import { adminConfig } from '../support/kube.js';
import { requireServices } from '../support/services.js';
import { waitFor } from '../support/wait.js';

const CLUSTER = 'kube-scenario';
const GiB = 1024 ** 3;

const MIXED: Scenario = {
  pools: [
    {
      pool: 'general',
      count: 2,
      instanceType: 'm5.xlarge',
      cpu: 4,
      memoryGiB: 16,
      reservedCpu: 0.5,
      reservedMemoryGiB: 1.5,
    },
    {
      pool: 'small',
      count: 1,
      instanceType: 't3.medium',
      cpu: 2,
      memoryGiB: 4,
      reservedCpu: 0.25,
      reservedMemoryGiB: 0.5,
      flapEvery: '4s',
    },
  ],
  workloads: [
    {
      kind: 'Deployment',
      name: 'checkout',
      replicas: 3,
      containers: [{ name: 'app', cpu: '500m', memory: '1Gi', limit: '2Gi' }],
    },
    {
      kind: 'StatefulSet',
      name: 'ledger',
      replicas: 2,
      containers: [
        { name: 'db', cpu: '250m', memory: '512Mi', limit: '1Gi', oomEvery: '3s' },
        { name: 'exporter', cpu: '50m', memory: '64Mi', limit: '128Mi' },
      ],
    },
    {
      kind: 'DaemonSet',
      name: 'node-agent',
      containers: [{ name: 'agent', cpu: '100m', memory: '128Mi' }],
    },
    {
      kind: 'CronJob',
      name: 'nightly-report',
      schedule: '* * * * *',
      containers: [{ name: 'report', cpu: '100m', memory: '256Mi', limit: '512Mi' }],
    },
  ],
};

const subjectKey = (f: Finding) =>
  f.subject.type === 'workload_container'
    ? `${f.subject.workload.kind}/${f.subject.workload.name}/${f.subject.container}`
    : f.subject.type === 'node'
      ? f.subject.node
      : f.subject.type;

describe(
  'a scenario on a real control plane, judged against what it made happen',
  { timeout: 10 * 60_000 },
  () => {
    const store = new MemoryStore();
    const records: AnyEnvelope[] = [];
    let collector: KubernetesCollector;
    let scenario: AppliedScenario;

    const ofKind = <T>(kind: string): T[] =>
      records.filter((r) => r.kind === kind).map((r) => r.payload as T);
    const pods = () => {
      const latest = new Map<string, Pod>();
      for (const pod of ofKind<Pod>('pod')) {
        if (pod.namespace === scenario.namespace) latest.set(pod.name, pod);
      }
      return [...latest.values()];
    };

    before(async () => {
      await requireServices('kube');
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
        new ClientNodeKubeApi(adminConfig()),
        kubernetesDefaults,
        {
          ...deps,
          cluster: CLUSTER,
          publisher,
        },
      );
      await collector.start();
      await waitFor(
        () => collector.health(),
        (h) => h.ready,
        {
          timeoutMs: 60_000,
          what: 'the collector to sync',
        },
      );
      scenario = await applyScenario(adminConfig(), MIXED, Date.now().toString(36));
    });

    after(async () => {
      await collector?.stop();
      await scenario?.remove();
    });

    it('holds the node pools with the allocatable their reservations leave', async () => {
      const nodes = await waitFor(
        () =>
          ofKind<{ name: string; allocatable: { memoryBytes: number; cpuCores: number } }>('node'),
        (list) => scenario.nodes.every((n) => list.some((node) => node.name === n)),
        { timeoutMs: 30_000, what: "the scenario's nodes" },
      );
      const small = nodes.findLast((n) => n.name === scenario.flappingNodes[0])!;
      assert.equal(small.allocatable.memoryBytes, Number(allocatable(MIXED.pools[1]!).memory));
      assert.equal(small.allocatable.memoryBytes, 3.5 * GiB - 100 * 1024 ** 2);
      assert.equal(small.allocatable.cpuCores, 1.75);
    });

    it('names every pod by the workload the real controllers made it for', async () => {
      const owners = await waitFor(
        () => new Set(pods().map((p) => `${p.workload.kind}/${p.workload.name}`)),
        (set) => set.size === 4,
        { timeoutMs: 120_000, what: 'pods of all four workloads (the CronJob runs on the minute)' },
      );
      assert.deepEqual([...owners].sort(), [
        'CronJob/nightly-report',
        'DaemonSet/node-agent',
        'Deployment/checkout',
        'StatefulSet/ledger',
      ]);
      const agents = pods().filter((p) => p.workload.name === 'node-agent');
      assert.deepEqual(
        agents.map((p) => p.nodeName).sort(),
        [...scenario.nodes].sort(),
        'one agent per node',
      );
      assert.deepEqual(
        pods()
          .filter((p) => p.workload.kind === 'StatefulSet')
          .map((p) => p.name)
          .sort(),
        ['ledger-0', 'ledger-1'],
      );
    });

    it('finds every OOM loop and every flapping node the scenario made, and nothing else', async () => {
      await waitFor(
        () =>
          ofKind<ContainerTermination>('container_termination').filter(
            (t) => t.namespace === scenario.namespace,
          ),
        (kills) =>
          ['ledger-0', 'ledger-1'].every((pod) => kills.filter((k) => k.pod === pod).length >= 2),
        { timeoutMs: 90_000, what: 'two OOM kills of each ledger pod' },
      );
      await waitFor(
        () =>
          ofKind<{ node: string; condition: string; from: string }>('node_transition').filter(
            (t) =>
              t.node === scenario.flappingNodes[0] && t.condition === 'Ready' && t.from === 'True',
          ),
        (lost) => lost.length >= 3,
        { timeoutMs: 90_000, what: 'the small node to lose Ready three times' },
      );
      // Flaps seconds apart: merged only when closer than a second, not the five minutes of a reboot.
      const runner = new AnalyzerRunner({
        cluster: CLUSTER,
        analyzers: createAnalyzers({ flapping: flappingSettings({ mergeMs: 1_000 }) }),
        reader: store,
        findings: store,
      });
      await runner.run();
      const { items } = await store.findings({
        cluster: CLUSTER,
        kinds: ['oom_loop', 'node_memory_flapping'],
      });
      const ours = items.filter(
        (f) =>
          (f.subject.type === 'workload_container' &&
            f.subject.workload.namespace === scenario.namespace) ||
          (f.subject.type === 'node' && scenario.nodes.includes(f.subject.node)),
      );
      assert.deepEqual(
        ours
          .filter((f) => f.kind === 'oom_loop')
          .map(subjectKey)
          .sort(),
        [...scenario.oomLoops].sort(),
      );
      assert.deepEqual(
        ours
          .filter((f) => f.kind === 'node_memory_flapping')
          .map(subjectKey)
          .sort(),
        [...scenario.flappingNodes].sort(),
      );

      const window = { from: 0, to: Date.now() };
      const loop = ours.find((f) => f.kind === 'oom_loop')!;
      const kills = await store.terminations({
        cluster: CLUSTER,
        namespace: scenario.namespace,
        window,
      });
      const evidence = evidenceOf(loop, 'oom_loop');
      assert.ok(evidence, 'the loop carries its evidence');
      const ledgerKills = kills.filter((k) => k.container === 'db');
      assert.equal(evidence.killCount, ledgerKills.length, 'every kill stored is counted');
      assert.deepEqual(evidence.exitCodes, { '137': ledgerKills.length });
      for (const kill of ledgerKills) {
        assert.equal(kill.termination.reason, 'OOMKilled');
        assert.equal(kill.limits.memoryBytes, GiB);
      }
      const perPod = new Map<string, number[]>();
      for (const k of ledgerKills)
        perPod.set(k.pod, [...(perPod.get(k.pod) ?? []), k.restartCount]);
      for (const [pod, counts] of perPod) {
        assert.equal(new Set(counts).size, counts.length, `${pod}: each kill emitted once`);
      }

      const flapping = ours.find((f) => f.kind === 'node_memory_flapping')!;
      const flaps = evidenceOf(flapping, 'node_memory_flapping');
      assert.ok(flaps, 'the flapping finding carries its evidence');
      const transitions = await store.nodeTransitions({
        cluster: CLUSTER,
        node: scenario.flappingNodes[0]!,
        window,
      });
      const lostReady = transitions.filter((t) => t.condition === 'Ready' && t.from === 'True');
      assert.equal(flaps.notReadyFlaps, lostReady.length);
      assert.equal(flaps.memoryPressureFlaps, lostReady.length);
    });
  },
);
