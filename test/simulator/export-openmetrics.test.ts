// The OpenMetrics export read back with the project's own parser: every family the Prometheus
// collector's inventory needs, with kube-state-metrics v2 / cAdvisor / node-exporter label sets;
// at every grid time the same pods, phases, restarts, terminations and container ids the
// simulated API shows (Simulation.podView); the v1, legacy and omit dialects; and streaming that
// respects backpressure and stops when its reader goes away.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { before, describe, it } from 'node:test';
import { exportOpenMetrics, type ExportOptions } from '../../simulator/export/openmetrics.js';
import { OpenMetricsWriter } from '../../simulator/export/openmetrics/writer.js';
import { createSimulation, type Simulation } from '../../simulator/index.js';
import { cordonedAt, REBOOT_DOWN_MS, rebootAtOf } from '../../simulator/model/node-timeline.js';
import {
  replicaSetNameOf,
  replicaSetOwnerKind,
  type NodeModel,
} from '../../simulator/model/types.js';
import { nodeUsage } from '../../simulator/render/node-usage.js';
import { podIp } from '../../simulator/render/pods.js';
import { ExportIndex } from './support/openmetrics-index.js';

const START = Date.UTC(2025, 0, 6);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function mixed(): Simulation {
  // 3 nodes (one flapping, one rebooting), 56 placed replicas and 38 that fit nowhere.
  return createSimulation({ scenario: 'mixed', nodes: 2, seed: 1, start: START });
}

async function read(sim: Simulation, options: ExportOptions): Promise<ExportIndex> {
  const index = new ExportIndex();
  const sink = index.sink();
  await exportOpenMetrics(sim, sink, options);
  await new Promise<void>((resolve) => sink.end(resolve));
  assert.deepEqual(index.problems.slice(0, 5), [], 'families contiguous, series in time order');
  assert.equal(index.errors, 0, 'the parser accepts every line');
  return index;
}

function labelNames(index: ExportIndex, name: string): string[] {
  const first = index.series(name)[0];
  assert.ok(first, `${name} is exported`);
  return Object.keys(first.labels).sort();
}

const sorted = (names: string[]) => [...names].sort();
const POD_V2 = ['job', 'namespace', 'pod', 'uid'];
const CONTAINER_V2 = [...POD_V2, 'container'];

describe('OpenMetrics export: families and labels (kube-state-metrics v2, cAdvisor, node-exporter)', () => {
  const sim = mixed();
  const window = { from: START, to: START + 3 * DAY, stepMs: 600_000 };
  let index: ExportIndex;
  before(
    async () => {
      index = await read(sim, window);
    },
    { timeout: 120_000 },
  );

  it(
    'writes every family the inventory needs, with the real label sets',
    { timeout: 10_000 },
    () => {
      const expect: Record<string, string[]> = {
        kube_node_info: [
          'job',
          'node',
          'kernel_version',
          'os_image',
          'container_runtime_version',
          'kubelet_version',
          'kubeproxy_version',
          'provider_id',
          'pod_cidr',
          'system_uuid',
          'internal_ip',
        ],
        kube_node_created: ['job', 'node'],
        kube_node_spec_unschedulable: ['job', 'node'],
        kube_node_status_condition: ['job', 'node', 'condition', 'status'],
        kube_node_status_capacity: ['job', 'node', 'resource', 'unit'],
        kube_node_status_allocatable: ['job', 'node', 'resource', 'unit'],
        kube_pod_info: [
          ...POD_V2,
          'host_ip',
          'pod_ip',
          'node',
          'created_by_kind',
          'created_by_name',
          'priority_class',
          'host_network',
        ],
        kube_pod_owner: [...POD_V2, 'owner_kind', 'owner_name', 'owner_is_controller'],
        kube_pod_created: POD_V2,
        kube_pod_deletion_timestamp: POD_V2,
        kube_pod_status_phase: [...POD_V2, 'phase'],
        kube_pod_status_qos_class: [...POD_V2, 'qos_class'],
        kube_pod_status_reason: [...POD_V2, 'reason'],
        kube_replicaset_owner: [
          'job',
          'namespace',
          'replicaset',
          'owner_kind',
          'owner_name',
          'owner_is_controller',
        ],
        kube_pod_container_info: [
          ...CONTAINER_V2,
          'image_spec',
          'image',
          'image_id',
          'container_id',
        ],
        kube_pod_container_resource_requests: [...CONTAINER_V2, 'node', 'resource', 'unit'],
        kube_pod_container_resource_limits: [...CONTAINER_V2, 'node', 'resource', 'unit'],
        kube_pod_container_status_restarts_total: CONTAINER_V2,
        kube_pod_container_status_last_terminated_reason: [...CONTAINER_V2, 'reason'],
        kube_pod_container_status_last_terminated_exitcode: CONTAINER_V2,
        kube_pod_container_status_last_terminated_timestamp: CONTAINER_V2,
        kube_pod_container_status_waiting_reason: [...CONTAINER_V2, 'reason'],
        kube_pod_container_state_started: CONTAINER_V2,
        container_start_time_seconds: [
          'job',
          'metrics_path',
          'node',
          'namespace',
          'pod',
          'container',
          'id',
          'name',
          'image',
        ],
        container_cpu_cfs_periods_total: [
          'job',
          'metrics_path',
          'node',
          'namespace',
          'pod',
          'container',
          'id',
          'name',
          'image',
        ],
        node_memory_MemTotal_bytes: ['job', 'instance'],
        node_memory_MemAvailable_bytes: ['job', 'instance'],
        node_uname_info: [
          'job',
          'instance',
          'nodename',
          'sysname',
          'release',
          'version',
          'machine',
          'domainname',
        ],
      };
      for (const [name, labels] of Object.entries(expect))
        assert.deepEqual(labelNames(index, name), sorted(labels), name);
      assert.ok(
        labelNames(index, 'kube_node_labels').includes('label_node_kubernetes_io_instance_type'),
      );
      assert.equal(index.types.get('kube_pod_container_status_restarts'), 'counter');
      assert.equal(index.types.get('container_cpu_usage_seconds'), 'counter');
    },
  );

  it(
    'joins node-exporter to nodes through node_uname_info, with MemAvailable = MemTotal − root working set',
    { timeout: 10_000 },
    () => {
      const t = START + DAY + 6 * HOUR;
      for (const node of sim.model.nodes) {
        const instance = `${node.internalIp}:9100`;
        const uname = index.series('node_uname_info').filter((s) => s.labels.instance === instance);
        assert.equal(uname.length, 1);
        assert.equal(uname[0]?.labels.nodename, node.name);
        const total = index
          .series('node_memory_MemTotal_bytes')
          .find((s) => s.labels.instance === instance);
        const available = index
          .series('node_memory_MemAvailable_bytes')
          .find((s) => s.labels.instance === instance);
        const root = index
          .series('container_memory_working_set_bytes')
          .find((s) => s.labels.id === '/' && s.labels.node === node.name);
        assert.equal(total?.points.get(t), node.memoryBytes);
        const ws = root?.points.get(t);
        assert.ok(ws !== undefined && ws > node.systemMemoryBytes);
        assert.equal(available?.points.get(t), node.memoryBytes - ws);
      }
    },
  );

  it('links pods to their Deployment through kube_replicaset_owner', { timeout: 10_000 }, () => {
    const replicaSets = new Map(
      index.series('kube_replicaset_owner').map((s) => [s.labels.replicaset, s.labels]),
    );
    let linked = 0;
    for (const s of index.series('kube_pod_owner')) {
      if (s.labels.owner_kind !== 'ReplicaSet') continue;
      const owner = replicaSets.get(s.labels.owner_name);
      assert.ok(owner, `replicaset ${s.labels.owner_name} has an owner series`);
      assert.equal(owner.owner_kind, 'Deployment');
      linked++;
    }
    assert.ok(linked > 10);
  });

  it(
    'exports OOM kills with their exit codes, evictions as Failed/Evicted, Pending pods unbound',
    { timeout: 10_000 },
    () => {
      const reasons = index.series('kube_pod_container_status_last_terminated_reason');
      assert.ok(reasons.some((s) => s.labels.reason === 'OOMKilled'));
      const codes = new Set(
        index
          .series('kube_pod_container_status_last_terminated_exitcode')
          .flatMap((s) => [...s.points.values()]),
      );
      assert.ok(codes.has(137), 'OOMKilled with 137');
      const evicted = index
        .series('kube_pod_status_reason')
        .filter((s) => s.labels.reason === 'Evicted' && [...s.points.values()].includes(1));
      assert.ok(evicted.length > 0, 'evicted pods stay listed');
      for (const s of evicted) {
        const t = [...s.points].find(([, v]) => v === 1)?.[0] ?? 0;
        const failed = index.at(
          'kube_pod_status_phase',
          s.labels.namespace ?? '',
          s.labels.pod ?? '',
          t,
          {
            phase: 'Failed',
          },
        );
        assert.equal(failed[0]?.value, 1);
      }
      for (const s of index.series('kube_pod_status_unschedulable')) {
        const info = index.ofPod('kube_pod_info', s.labels.namespace ?? '', s.labels.pod ?? '');
        assert.ok(
          info.some((i) => i.labels.node === ''),
          'an unbound pod has node=""',
        );
      }
    },
  );

  it('agrees with the simulated API at every grid time', { timeout: 120_000 }, () => {
    const checked = agreeWithApi(sim, index, window);
    assert.ok(checked.pods > 10_000 && checked.containers > 10_000, JSON.stringify(checked));
  });

  it(
    'agrees at a 10 s grid around a rollout (grace period with deletion timestamp)',
    { timeout: 60_000 },
    async () => {
      const rollout = START + 44 * HOUR;
      const fine = { from: rollout, to: rollout + HOUR, stepMs: 10_000 };
      const fineIndex = await read(sim, fine);
      const checked = agreeWithApi(sim, fineIndex, fine);
      assert.ok(checked.terminating > 0, 'a terminating pod was seen');
      assert.ok(fineIndex.series('kube_pod_deletion_timestamp').length > 0);
    },
  );
});

describe('OpenMetrics export: pods the scheduler cannot place', () => {
  it(
    'lists them Pending with node="", unschedulable, with requests but no container series',
    { timeout: 60_000 },
    async () => {
      // misfit on one node: some replicas fit nowhere, some rollouts wait for room.
      const sim = createSimulation({ scenario: 'misfit', nodes: 1, seed: 1, start: START });
      assert.ok(sim.model.pendingSlots.length > 0, 'the scenario has Pending replicas');
      const window = { from: START, to: START + DAY, stepMs: 300_000 };
      const index = await read(sim, window);
      const checked = agreeWithApi(sim, index, window);
      assert.ok(checked.unbound > 0, JSON.stringify(checked));
      const slot = sim.model.pendingSlots[0];
      assert.ok(slot);
      const pod = sim.pods.currentAt(slot, START + HOUR).name;
      const ns = slot.workload.namespace;
      const requests = index.ofPod('kube_pod_container_resource_requests', ns, pod);
      assert.ok(requests.length > 0 && requests.every((r) => r.labels.node === ''));
      assert.equal(index.ofPod('kube_pod_container_info', ns, pod).length, 0);
      assert.equal(index.ofPod('container_memory_working_set_bytes', ns, pod).length, 0);
    },
  );
});

interface Agreement {
  pods: number;
  containers: number;
  terminating: number;
  unbound: number;
  /** Node × grid times after a node's deletion (no series at all). */
  deletedNodes: number;
  /** Node × grid times with the kubelet down (no cAdvisor samples). */
  kubeletDown: number;
}

/** Whether the host is unreachable at t: its reboot or a network partition (node-exporter). */
function hostDownAt(node: NodeModel, t: number): boolean {
  const rebootAt = rebootAtOf(node);
  if (rebootAt !== undefined && t >= rebootAt && t < rebootAt + REBOOT_DOWN_MS) return true;
  const b = node.behaviour;
  return b.kind === 'network-flaps' && b.at.some((at) => t >= at && t < at + b.downMs);
}

/**
 * Compares the export at every grid time with Simulation.podView, the live node usage and the
 * nodes as the API lists them (cordons, deletions).
 */
function agreeWithApi(
  sim: Simulation,
  index: ExportIndex,
  window: { from: number; to: number; stepMs: number },
): Agreement {
  const count: Agreement = {
    pods: 0,
    containers: 0,
    terminating: 0,
    unbound: 0,
    deletedNodes: 0,
    kubeletDown: 0,
  };
  const slots = [...sim.model.slots, ...sim.model.pendingSlots];
  for (let t = window.from; t < window.to; t += window.stepMs) {
    let listed = 0;
    for (const slot of slots) {
      for (const v of sim.pods.visibleAt(slot, t)) {
        if (v.pod.createdAt > t) continue;
        listed++;
        count.pods++;
        const view = sim.podView(v.pod, t, v.terminating, v.evicted);
        const ns = slot.workload.namespace;
        const pod = view.pod.name;
        const where = `${ns}/${pod} at ${new Date(t).toISOString()}`;
        const one = (name: string, match: Record<string, string> = {}) =>
          index.at(name, ns, pod, t, match);
        const info = one('kube_pod_info');
        assert.equal(info.length, 1, `kube_pod_info of ${where}`);
        assert.equal(info[0]?.labels.node, view.node?.name ?? '', where);
        assert.equal(info[0]?.labels.pod_ip, view.evicted ? '' : podIp(view), where);
        assert.equal(one('kube_pod_status_phase', { phase: view.phase })[0]?.value, 1, where);
        assert.equal(
          one('kube_pod_status_phase').reduce((s, p) => s + p.value, 0),
          1,
          `one phase for ${where}`,
        );
        assert.equal(
          one('kube_pod_status_reason', { reason: 'Evicted' })[0]?.value,
          view.evicted ? 1 : 0,
          where,
        );
        assert.equal(one('kube_pod_deletion_timestamp').length, view.terminating ? 1 : 0, where);
        if (view.terminating) count.terminating++;
        assert.equal(one('kube_pod_status_unschedulable').length, view.node ? 0 : 1, where);
        if (!view.node) count.unbound++;
        const restarts = one('kube_pod_container_status_restarts_total');
        assert.equal(restarts.length, view.containers.length, `container statuses of ${where}`);
        const down = view.node ? !sim.nodes.kubeletUp(view.node, t) : true;
        for (const cv of view.containers) {
          count.containers++;
          const c = { container: cv.model.name };
          const at = `${where} ${cv.model.name}`;
          assert.equal(
            one('kube_pod_container_status_restarts_total', c)[0]?.value,
            cv.restartCount,
            at,
          );
          const last = cv.lastTermination;
          const reasons = one('kube_pod_container_status_last_terminated_reason', c);
          assert.deepEqual(
            reasons.map((r) => r.labels.reason),
            last ? [last.reason] : [],
            at,
          );
          assert.equal(
            one('kube_pod_container_status_last_terminated_exitcode', c)[0]?.value,
            last?.exitCode,
            at,
          );
          assert.equal(
            one('kube_pod_container_status_last_terminated_timestamp', c)[0]?.value,
            last ? Math.floor(last.finishedAt / 1000) : undefined,
            at,
          );
          assert.equal(
            one('kube_pod_container_info', c)[0]?.labels.container_id,
            cv.containerId ?? '',
            at,
          );
          const started =
            cv.state.kind === 'running' || cv.state.kind === 'terminated'
              ? Math.floor(cv.state.startedAt / 1000)
              : undefined;
          assert.equal(one('kube_pod_container_state_started', c)[0]?.value, started, at);
          const waiting = one('kube_pod_container_status_waiting_reason', c).map(
            (r) => r.labels.reason,
          );
          assert.deepEqual(waiting, cv.state.kind === 'waiting' ? [cv.state.reason] : [], at);
          // cAdvisor: one series per running container instance, none while the kubelet is down.
          const ws = one('container_memory_working_set_bytes', c);
          if (cv.run && !view.evicted && !down) {
            const cid = cv.containerId?.replace('containerd://', '');
            assert.equal(ws.length, 1, `working set of ${at}`);
            assert.equal(ws[0]?.labels.name, cid, at);
            assert.equal(ws[0]?.value, sim.usage.memory(view.pod, cv.index, cv.run, t), at);
          } else assert.equal(ws.length, 0, `no working set for ${at}`);
        }
      }
    }
    assert.equal(
      index.series('kube_pod_info').filter((s) => s.points.has(t)).length,
      listed,
      `pods listed at ${new Date(t).toISOString()}`,
    );
    for (const node of sim.model.nodes) {
      const root = index
        .series('container_memory_working_set_bytes')
        .find((s) => s.labels.id === '/' && s.labels.node === node.name);
      const value = root?.points.get(t);
      const gone = node.deletedAt !== undefined && t >= node.deletedAt;
      const nodeAt = `${node.name} at ${new Date(t).toISOString()}`;
      // kube-state-metrics: the node is listed until deleted, cordoned as the API shows it.
      const unschedulable = index
        .series('kube_node_spec_unschedulable')
        .find((s) => s.labels.node === node.name)
        ?.points.get(t);
      assert.equal(unschedulable, gone ? undefined : cordonedAt(node, t) ? 1 : 0, nodeAt);
      const info = index
        .series('kube_node_info')
        .filter((s) => s.labels.node === node.name && s.points.has(t));
      assert.equal(info.length, gone ? 0 : 1, `kube_node_info of ${nodeAt}`);
      // node-exporter: none once deleted, while rebooting or cut off by a partition.
      const memTotal = index
        .series('node_memory_MemTotal_bytes')
        .find((s) => s.labels.instance === `${node.internalIp}:9100`)
        ?.points.get(t);
      assert.equal(memTotal, gone || hostDownAt(node, t) ? undefined : node.memoryBytes, nodeAt);
      if (gone) {
        assert.equal(value, undefined, `no root sample for deleted ${nodeAt}`);
        count.deletedNodes++;
        continue;
      }
      if (!sim.nodes.kubeletUp(node, t)) {
        count.kubeletDown++;
        assert.equal(value, undefined, 'no root sample while the kubelet is down');
        continue;
      }
      const live = nodeUsage(sim, node, t).workingSet;
      assert.ok(
        value !== undefined && Math.abs(value - live) < 1,
        `root working set of ${node.name}`,
      );
    }
  }
  return count;
}

describe('OpenMetrics export: ReplicaSets off convention and Rollout owners (oom-owners)', () => {
  const sim = createSimulation({ scenario: 'oom-owners', nodes: 2, seed: 1, start: START });
  const window = { from: START, to: START + DAY, stepMs: 600_000 };
  let index: ExportIndex;
  before(
    async () => {
      index = await read(sim, window);
    },
    { timeout: 120_000 },
  );

  it('names ReplicaSets and their owners as the model does', { timeout: 10_000 }, () => {
    const owners = new Map(
      index.series('kube_replicaset_owner').map((s) => [s.labels.replicaset, s.labels]),
    );
    assert.equal(owners.size, index.series('kube_replicaset_owner').length, 'one series per RS');
    const legacy = owners.get('legacy-rs-blue');
    assert.equal(legacy?.owner_kind, 'Deployment');
    assert.equal(legacy?.owner_name, 'checkout-legacy');
    const rollout = [...owners.values()].filter((o) => o.owner_kind === 'Rollout');
    assert.ok(rollout.length > 0, 'a Rollout-owned ReplicaSet');
    for (const o of rollout) {
      assert.equal(o.owner_name, 'recommendations');
      assert.match(o.replicaset ?? '', /^recommendations-[a-z0-9]{10}$/);
    }
    for (const [name, o] of owners)
      assert.ok(
        !/^checkout-legacy-/.test(name ?? ''),
        `no conventional name ${name} (${o.owner_kind})`,
      );
    // Every pod's ReplicaSet has an owner series at each time the pod is listed, with the kind
    // and the name render/ksm.ts gives it.
    let linked = 0;
    for (let t = window.from; t < window.to; t += window.stepMs) {
      for (const v of sim.podsAt(t)) {
        const w = v.slot.workload;
        if (w.kind !== 'Deployment') continue;
        const rs = replicaSetNameOf(w, v.pod.templateHash);
        const owner = index.at('kube_pod_owner', w.namespace, v.pod.name, t);
        assert.deepEqual(
          owner.map((o) => [o.labels.owner_kind, o.labels.owner_name]),
          [['ReplicaSet', rs]],
        );
        if (v.evicted) continue;
        const series = index
          .series('kube_replicaset_owner')
          .find((s) => s.labels.namespace === w.namespace && s.labels.replicaset === rs);
        assert.equal(series?.points.get(t), 1, `${rs} listed at ${new Date(t).toISOString()}`);
        assert.equal(series?.labels.owner_kind, replicaSetOwnerKind(w));
        assert.equal(series?.labels.owner_name, w.name);
        linked++;
      }
    }
    assert.ok(linked > 10);
    assert.equal(index.types.get('kube_deployment_spec_replicas'), undefined);
  });

  it('agrees with the simulated API at every grid time', { timeout: 120_000 }, () => {
    const checked = agreeWithApi(sim, index, window);
    assert.ok(checked.pods > 100, JSON.stringify(checked));
  });
});

describe('OpenMetrics export: drains, cordons and deleted nodes', () => {
  it(
    'node-autoscaled: drained pods terminate, deleted nodes and their pods stop',
    { timeout: 120_000 },
    async () => {
      const sim = createSimulation({
        scenario: 'node-autoscaled',
        nodes: 3,
        seed: 1,
        start: START,
      });
      const deleted = sim.model.nodes.filter((n) => n.deletedAt !== undefined);
      assert.equal(deleted.length, 2);
      // One day across the autoscaler's scale-down (14-16 h) and the spot reclaim (day 1, 3-5 h).
      const window = { from: START + 12 * HOUR, to: START + 36 * HOUR, stepMs: 300_000 };
      const index = await read(sim, window);
      const checked = agreeWithApi(sim, index, window);
      assert.ok(checked.deletedNodes > 0 && checked.pods > 1000, JSON.stringify(checked));
      for (const node of deleted) {
        const deletedAt = node.deletedAt ?? 0;
        for (const [name, match] of [
          ['kube_node_info', (l: Record<string, string>) => l.node === node.name],
          [
            'container_memory_working_set_bytes',
            (l: Record<string, string>) => l.node === node.name,
          ],
          ['node_uname_info', (l: Record<string, string>) => l.nodename === node.name],
        ] as const) {
          const times = index
            .series(name)
            .filter((s) => match(s.labels))
            .flatMap((s) => [...s.points.keys()]);
          assert.ok(times.length > 0, `${name} of ${node.name} before its deletion`);
          assert.ok(Math.max(...times) < deletedAt, `${name} of ${node.name} ends at its deletion`);
        }
      }
      const scaledDown = deleted.find((n) => n.behaviour.kind === 'drain');
      assert.ok(scaledDown);
      const cordoned = index
        .series('kube_node_spec_unschedulable')
        .find((s) => s.labels.node === scaledDown.name);
      assert.ok([...(cordoned?.points.values() ?? [])].includes(1), 'cordoned before deletion');
    },
  );

  it(
    'node-autoscaled at a 10 s grid around the drain (grace period with deletion timestamp)',
    { timeout: 60_000 },
    async () => {
      const sim = createSimulation({
        scenario: 'node-autoscaled',
        nodes: 3,
        seed: 1,
        start: START,
      });
      const node = sim.model.nodes.find((n) => n.behaviour.kind === 'drain');
      assert.ok(node && node.behaviour.kind === 'drain');
      const at = node.behaviour.at;
      // On the 10 s grid (the export samples at multiples of the step).
      const from = Math.floor((at - 60_000) / 10_000) * 10_000;
      const fine = { from, to: from + 15 * 60_000, stepMs: 10_000 };
      const index = await read(sim, fine);
      const checked = agreeWithApi(sim, index, fine);
      assert.ok(checked.terminating > 0 && checked.deletedNodes > 0, JSON.stringify(checked));
    },
  );

  it(
    'node-not-memory: network partitions and a drain with reboot, cordoned then uncordoned',
    { timeout: 120_000 },
    async () => {
      const sim = createSimulation({
        scenario: 'node-not-memory',
        nodes: 3,
        seed: 1,
        start: START,
      });
      const window = { from: START, to: START + DAY, stepMs: 60_000 };
      const index = await read(sim, window);
      const checked = agreeWithApi(sim, index, window);
      assert.ok(checked.kubeletDown > 0 && checked.terminating > 0, JSON.stringify(checked));
      const drained = sim.model.nodes.find((n) => n.behaviour.kind === 'drain');
      assert.ok(drained);
      const values = [
        ...(index
          .series('kube_node_spec_unschedulable')
          .find((s) => s.labels.node === drained.name)
          ?.points.values() ?? []),
      ];
      assert.ok(values.includes(1) && values.at(-1) === 0, 'cordoned, then uncordoned');
    },
  );
});

describe('OpenMetrics export: dialects', () => {
  const sim = mixed();
  const window = { from: START + 8 * HOUR, to: START + 14 * HOUR, stepMs: 300_000 };

  it(
    'kube-state-metrics v1: per-resource names, no uid but on kube_pod_info, no v2-only families',
    { timeout: 60_000 },
    async () => {
      const index = await read(sim, { ...window, ksmVersion: 1 });
      for (const name of [
        'kube_pod_container_resource_requests_cpu_cores',
        'kube_pod_container_resource_requests_memory_bytes',
        'kube_pod_container_resource_limits_cpu_cores',
        'kube_pod_container_resource_limits_memory_bytes',
        'kube_node_status_capacity_cpu_cores',
        'kube_node_status_capacity_memory_bytes',
        'kube_node_status_allocatable_cpu_cores',
        'kube_node_status_allocatable_memory_bytes',
        'kube_pod_container_status_restarts',
        'kube_pod_container_status_last_terminated_reason',
      ])
        assert.ok(index.series(name).length > 0, `${name} in v1`);
      for (const name of [
        'kube_pod_container_resource_requests',
        'kube_pod_container_resource_limits',
        'kube_node_status_capacity',
        'kube_node_status_allocatable',
        'kube_pod_container_status_restarts_total',
        'kube_pod_container_status_last_terminated_exitcode',
        'kube_pod_container_status_last_terminated_timestamp',
        'kube_pod_container_state_started',
        'kube_pod_status_qos_class',
        'kube_pod_deletion_timestamp',
      ])
        assert.equal(index.series(name).length, 0, `no ${name} in v1`);
      assert.deepEqual(
        labelNames(index, 'kube_pod_container_resource_requests_memory_bytes'),
        sorted(['job', 'namespace', 'pod', 'container', 'node']),
      );
      assert.deepEqual(
        labelNames(index, 'kube_pod_container_status_restarts'),
        sorted(['job', 'namespace', 'pod', 'container']),
      );
      assert.ok(labelNames(index, 'kube_pod_info').includes('uid'));
      assert.ok(!labelNames(index, 'kube_node_info').includes('internal_ip'));
    },
  );

  it('legacy cAdvisor: container_name and pod_name', { timeout: 60_000 }, async () => {
    const index = await read(sim, { ...window, cadvisorLabels: 'legacy' });
    for (const name of [
      'container_memory_working_set_bytes',
      'container_cpu_usage_seconds_total',
      'container_start_time_seconds',
    ]) {
      const containers = index.series(name).filter((s) => s.labels.id !== '/');
      assert.ok(containers.length > 0, name);
      for (const s of containers) {
        assert.ok(s.labels.container_name && s.labels.pod_name, name);
        assert.equal(s.labels.container, undefined);
        assert.equal(s.labels.pod, undefined);
      }
    }
    // kube-state-metrics keeps its own labels.
    assert.ok(labelNames(index, 'kube_pod_info').includes('pod'));
  });

  it(
    'omit drops the named families and the node-exporter group, nothing else',
    { timeout: 60_000 },
    async () => {
      const omit = [
        'kube_pod_container_status_last_terminated_timestamp',
        'kube_pod_container_state_started',
        'container_start_time_seconds',
        'kube_replicaset_owner',
        'node-exporter',
      ];
      const index = await read(sim, { ...window, omit });
      for (const name of [
        ...omit.filter((n) => n !== 'node-exporter'),
        'node_memory_MemAvailable_bytes',
        'node_memory_MemTotal_bytes',
        'node_uname_info',
      ])
        assert.equal(index.series(name).length, 0, `${name} omitted`);
      for (const name of [
        'kube_pod_container_status_last_terminated_reason',
        'kube_pod_container_status_last_terminated_exitcode',
        'container_memory_working_set_bytes',
        'kube_pod_owner',
      ])
        assert.ok(index.series(name).length > 0, `${name} kept`);
      await assert.rejects(
        exportOpenMetrics(sim, new Writable({ write: (_c, _e, done) => done() }), {
          ...window,
          omit: ['kube_pod_info_typo'],
        }),
        /cannot omit "kube_pod_info_typo"/,
      );
    },
  );
});

describe('OpenMetrics export: streaming', () => {
  const sim = mixed();
  const window = { from: START, to: START + 2 * HOUR, stepMs: 60_000 };

  it('waits for a slow reader and never holds more than a chunk', { timeout: 60_000 }, async () => {
    let buffered = 0;
    let maxBuffered = 0;
    let bytes = 0;
    const slow = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _enc, done) {
        buffered = this.writableLength;
        maxBuffered = Math.max(maxBuffered, buffered);
        bytes += chunk.length;
        setImmediate(done);
      },
    });
    const summary = await exportOpenMetrics(sim, slow, window);
    assert.equal(summary.bytes, bytes);
    assert.ok(
      maxBuffered <= 256 * 1024,
      `at most one chunk queued beyond the mark (${maxBuffered})`,
    );
  });

  it(
    'stops with an error when the reader goes away, instead of hanging',
    { timeout: 60_000 },
    async () => {
      let taken = 0;
      const closing = new Writable({
        highWaterMark: 1024,
        write(_chunk, _enc, done) {
          if (++taken === 3) {
            const error = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
            done(error);
          } else setImmediate(done);
        },
      });
      closing.on('error', () => undefined);
      await assert.rejects(exportOpenMetrics(sim, closing, window), /EPIPE/);
    },
  );

  it(
    'refuses a family started twice or a series out of time order',
    { timeout: 10_000 },
    async () => {
      const w = new OpenMetricsWriter(new Writable({ write: (_c, _e, done) => done() }));
      w.family('x', 'gauge', 'x');
      assert.throws(() => w.family('x', 'gauge', 'x'), /started twice/);
      await assert.rejects(
        w.series({}, [
          [2000, 1],
          [1000, 1],
        ]),
        /after/,
      );
    },
  );
});
