// The simulated scheduler never places pods beyond allocatable. For every scenario, across the
// simulated week, no node holds pods whose requests exceed its allocatable cpu or memory, or more
// pods than its capacity, counting what kube-scheduler counts: every pod bound to the node that is
// not finished (terminating ones included, evicted ones not). Requests are summed here from the
// container specs, independently of the simulator's own bookkeeping. Pods that fit nowhere are
// Pending, and show as such in the API, kube-state-metrics, events and the ground truth.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSimulation, groundTruth, SCENARIOS } from '../../simulator/index.js';
import { ClusterBuilder } from '../../simulator/model/builder.js';
import { eventsAt } from '../../simulator/model/events.js';
import { TERMINATION_GRACE_MS } from '../../simulator/model/pod-timeline.js';
import { Simulation } from '../../simulator/model/simulation.js';
import { DAY, GI, HOUR, MI, type ContainerModel } from '../../simulator/model/types.js';
import { renderKsm } from '../../simulator/render/ksm.js';
import { renderPod } from '../../simulator/render/pods.js';
import { overcommitted, requests } from './support/allocatable.js';

const START = Date.UTC(2025, 0, 6);
const WEEK = 7 * DAY;

function hourly(sim: Simulation): string[] {
  const problems: string[] = [];
  for (let t = START; t < START + WEEK; t += HOUR)
    problems.push(...overcommitted(sim.podsAt(t), t));
  return problems;
}

/**
 * The moments a rollout's replacement pod appears and binds, where a node holds the most: the new
 * pod next to the old one still terminating.
 */
function atRollouts(sim: Simulation): { problems: string[]; checked: number } {
  const problems: string[] = [];
  let checked = 0;
  for (const slot of sim.model.slots) {
    for (const pod of sim.pods.incarnationsBetween(slot, START, START + WEEK)) {
      if (pod.createdAt < START) continue;
      for (const t of new Set([pod.createdAt + 1, pod.boundAt + 1, pod.boundAt + 6000])) {
        if (!Number.isFinite(t)) continue;
        checked++;
        problems.push(...overcommitted(sim.podsOnNodeAt(slot.node, t), t));
      }
    }
  }
  return { problems, checked };
}

describe('scheduling: placement within allocatable', () => {
  for (const scenario of SCENARIOS) {
    it(
      `${scenario.name}: no node's pods request more than its allocatable, hourly over a week`,
      { timeout: 180_000 },
      () => {
        const sim = createSimulation({ scenario: scenario.name, seed: 1, start: START });
        assert.deepEqual(hourly(sim).slice(0, 5), []);
      },
    );
  }

  // The demo's defaults (core/config/schema.ts) and the evaluation's mixed cluster, where a
  // node is the fullest and rollouts most often wait for room.
  for (const nodes of [20, 12]) {
    it(
      `mixed at ${nodes} nodes: within allocatable hourly and at every rollout, nothing left Pending`,
      { timeout: 180_000 },
      () => {
        const sim = createSimulation({ scenario: 'mixed', seed: 1, start: START, nodes });
        assert.deepEqual(hourly(sim).slice(0, 5), []);
        const { problems, checked } = atRollouts(sim);
        assert.ok(checked > 500, `${checked} rollout instants checked`);
        assert.deepEqual(problems.slice(0, 5), []);
        // The scenario is sized to fit: a busy cluster, not an overflowing one.
        assert.equal(sim.model.pendingSlots.length, 0);
      },
    );
  }

  for (const scenario of ['healthy', 'node-flapping', 'misfit', 'oom-loops']) {
    it(`${scenario}: within allocatable at every rollout`, { timeout: 120_000 }, () => {
      const sim = createSimulation({ scenario, seed: 1, start: START });
      const { problems, checked } = atRollouts(sim);
      assert.ok(checked > 100, `${checked} rollout instants checked`);
      assert.deepEqual(problems.slice(0, 5), []);
    });
  }

  it(
    'keeps the planted problems: memory limits overcommit the flapping node, usage beyond requests flaps it',
    { timeout: 60_000 },
    () => {
      const sim = createSimulation({ scenario: 'node-flapping', seed: 1, start: START });
      const truth = groundTruth(sim, { from: START, to: START + WEEK });
      const [flapping] = truth.flappingNodes;
      assert.ok(flapping, 'a flapping node');
      assert.ok(flapping.cause.allocatableEqualsCapacity);
      assert.ok(flapping.cause.bestEffortWorkloads.length > 0);
      // Limits may overcommit a node: the scheduler only looks at requests.
      assert.ok(
        flapping.cause.memoryLimitOvercommit >= 1.5,
        `${flapping.cause.memoryLimitOvercommit}`,
      );
      assert.ok(flapping.episodes.length >= 3, `${flapping.episodes.length} episodes`);
      // The pressure comes from memory nobody requested: requests stay well inside allocatable.
      const node = sim.model.nodes.find((n) => n.name === flapping.node);
      assert.ok(node);
      const views = sim.podsOnNodeAt(node, START + HOUR);
      const requested = views.reduce((s, v) => s + requests(v.slot.workload).memory, 0);
      assert.ok(requested < node.allocatableMemoryBytes * 0.5);
    },
  );
});

function container(name: string, cpuCores: number, memoryBytes: number): ContainerModel {
  return {
    name,
    image: `registry.example.com/test/${name}:1.0.0`,
    requests: { cpuCores, memoryBytes },
    limits: { memoryBytes: memoryBytes * 2 },
    usage: {
      cpuCores: cpuCores / 2,
      cpuAmplitude: 0.1,
      memoryBytes: memoryBytes / 2,
      memoryAmplitude: 0,
    },
    behaviour: { kind: 'steady' },
    logStyle: 'web',
  };
}

interface PodJson {
  spec: { nodeName?: string };
  status: {
    phase: string;
    conditions: { type: string; status: string; reason?: string; message?: string }[];
    containerStatuses?: unknown[];
  };
}

describe('scheduling: pods that fit nowhere stay Pending', () => {
  // A 2-core and a 4-core node, a 2.5-core DaemonSet that fits only the larger one, and three
  // 1.2-core replicas of which each node has room for one.
  const b = new ClusterBuilder('tight', 1, START, 'sim-tight');
  b.addPool({
    name: 'small',
    count: 1,
    instanceType: 'm5.large',
    cpuCores: 2,
    memoryGi: 8,
    style: 'eks',
  });
  b.addPool({
    name: 'big',
    count: 1,
    instanceType: 'm5.xlarge',
    cpuCores: 4,
    memoryGi: 16,
    style: 'eks',
  });
  const base = { labels: {}, rolloutEveryMs: null, rolloutPhaseMs: 0, createdAt: START - DAY };
  b.addWorkload({
    ...base,
    kind: 'DaemonSet',
    namespace: 'kube-system',
    name: 'heavy-agent',
    replicas: 0,
    containers: [container('agent', 2.5, 512 * MI)],
  });
  b.addWorkload({
    ...base,
    kind: 'Deployment',
    namespace: 'shop',
    name: 'cart',
    replicas: 3,
    containers: [container('cart', 1.2, GI)],
  });
  const sim = new Simulation(b.build());
  const t = START + 2 * HOUR;
  const views = sim.podsAt(t);
  const pending = views.filter((v) => !v.node);

  it('binds what fits and leaves the rest Pending, never beyond allocatable', () => {
    assert.deepEqual(overcommitted(views, t), []);
    assert.deepEqual(pending.map((v) => v.slot.workload.name).sort(), ['cart', 'heavy-agent']);
    for (const v of pending) assert.equal(v.phase, 'Pending');
  });

  it('words the FailedScheduling message as kube-scheduler does', () => {
    const cart = pending.find((v) => v.slot.workload.name === 'cart');
    const agent = pending.find((v) => v.slot.workload.name === 'heavy-agent');
    assert.equal(
      cart?.pod.unschedulable,
      '0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod..',
    );
    // A DaemonSet pod may only go to its own node.
    assert.match(
      agent?.pod.unschedulable ?? '',
      /^0\/2 nodes are available: 1 Insufficient cpu, 1 node\(s\) didn't match Pod's node affinity\/selector\. preemption: /,
    );
  });

  it('serves them in the API without a node, PodScheduled=False Unschedulable', () => {
    for (const v of pending) {
      const pod = renderPod(sim, v, t, '1') as unknown as PodJson;
      assert.equal(pod.spec.nodeName, undefined);
      assert.equal(pod.status.phase, 'Pending');
      assert.equal(pod.status.containerStatuses, undefined);
      const scheduled = pod.status.conditions.find((c) => c.type === 'PodScheduled');
      assert.equal(scheduled?.status, 'False');
      assert.equal(scheduled?.reason, 'Unschedulable');
      assert.equal(scheduled?.message, v.pod.unschedulable);
    }
  });

  it('shows them in kube-state-metrics: phase Pending, node="", unschedulable', () => {
    const text = renderKsm(sim, t, views, (n) => sim.nodes.conditionsAt(n, t)).text();
    for (const v of pending) {
      const pod = `namespace="${v.slot.workload.namespace}",pod="${v.pod.name}",uid="${v.pod.uid}"`;
      assert.ok(text.includes(`kube_pod_status_phase{${pod},phase="Pending"} 1`));
      assert.ok(text.includes(`kube_pod_status_unschedulable{${pod}} 1`));
      assert.match(text, new RegExp(`kube_pod_info\\{${escape(pod)},host_ip="",pod_ip="",node=""`));
      assert.match(
        text,
        new RegExp(
          `kube_pod_container_resource_requests\\{${escape(pod)},container="[a-z]+",node="",resource="cpu"`,
        ),
      );
    }
    const bound = views.find((v) => v.node);
    assert.ok(bound);
    assert.ok(
      !text.includes(
        `kube_pod_status_unschedulable{namespace="${bound.slot.workload.namespace}",pod="${bound.pod.name}"`,
      ),
    );
  });

  it('emits FailedScheduling Warnings, repeated while Pending, and lists them in the ground truth', () => {
    const events = eventsAt(sim, t).filter((e) => e.reason === 'FailedScheduling');
    assert.equal(events.length, pending.length);
    for (const e of events) {
      assert.equal(e.type, 'Warning');
      assert.equal(e.component, 'default-scheduler');
      assert.ok(e.count >= 12, `retried every 5 minutes: count ${e.count}`);
      assert.match(e.message, /^0\/2 nodes are available: /);
    }
    const truth = groundTruth(sim, { from: START, to: START + DAY });
    assert.deepEqual((truth.unschedulable ?? []).map((u) => [u.workload.name, u.to]).sort(), [
      ['cart', null],
      ['heavy-agent', null],
    ]);
  });
});

describe('scheduling: a rollout waits for room beside the pod it replaces', () => {
  // One 2-core node, one 1.2-core replica: the new pod cannot bind while the old one terminates.
  const b = new ClusterBuilder('surge', 1, START, 'sim-surge');
  b.addPool({
    name: 'small',
    count: 1,
    instanceType: 'm5.large',
    cpuCores: 2,
    memoryGi: 8,
    style: 'eks',
  });
  b.addWorkload({
    kind: 'Deployment',
    namespace: 'shop',
    name: 'cart',
    replicas: 1,
    labels: {},
    containers: [container('cart', 1.2, GI)],
    rolloutEveryMs: DAY,
    rolloutPhaseMs: 10 * HOUR,
    createdAt: START - 30 * DAY,
  });
  const sim = new Simulation(b.build());
  const slot = sim.model.slots[0];

  it('is Pending with FailedScheduling until the old pod is gone, then bound and Scheduled', () => {
    assert.ok(slot);
    const k = sim.pods.generationAt(slot, START + 2 * DAY);
    const rolled = sim.pods.rolloutTime(slot, k);
    const fresh = sim.pods.currentAt(slot, rolled + 1000);
    assert.equal(fresh.generation, k);
    assert.ok(fresh.boundAt >= rolled + TERMINATION_GRACE_MS, 'binds once the old pod is deleted');
    assert.ok(fresh.boundAt < rolled + TERMINATION_GRACE_MS + 2000);
    assert.match(fresh.unschedulable ?? '', /^0\/1 nodes are available: 1 Insufficient cpu\. /);

    const during = sim.podsAt(rolled + 5000);
    assert.deepEqual(overcommitted(during, rolled + 5000), []);
    const waiting = during.find((v) => v.pod.uid === fresh.uid);
    assert.equal(waiting?.node, undefined);
    assert.equal(waiting?.phase, 'Pending');
    assert.ok(during.some((v) => v.terminating && v.node === slot.node));

    const after = sim.podsAt(fresh.boundAt + 10_000);
    assert.deepEqual(overcommitted(after, fresh.boundAt + 10_000), []);
    assert.equal(after.find((v) => v.pod.uid === fresh.uid)?.node, slot.node);
    assert.equal(after.length, 1);

    const reasons = eventsAt(sim, fresh.boundAt + 60_000)
      .filter((e) => e.involved.uid === fresh.uid)
      .map((e) => e.reason);
    assert.ok(reasons.includes('FailedScheduling'));
    assert.ok(reasons.includes('Scheduled'));
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
