// The scenarios that vary what real clusters vary (owners, node events, node lifetimes) and the
// evaluation variants that export them: each scenario builds, plants what its ground truth lists
// (positives, and the negatives a memory-flapping analyzer must not call), keeps the scheduler's
// invariant, and shows its off-convention owners in the simulated API and kube-state-metrics.
// Small on purpose: three nodes, two days.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VARIANTS, checkVariants } from '../../eval/variants.js';
import { createSimulation, groundTruth } from '../../simulator/index.js';
import { TERMINATION_GRACE_MS } from '../../simulator/model/pod-timeline.js';
import type { Simulation } from '../../simulator/model/simulation.js';
import { DAY, HOUR } from '../../simulator/model/types.js';
import { renderKsm } from '../../simulator/render/ksm.js';
import { renderPod } from '../../simulator/render/pods.js';
import { resolveOptions } from '../../simulator/export/openmetrics/options.js';
import { overcommitted } from './support/allocatable.js';

const START = Date.UTC(2025, 0, 6);
const DAYS = 2;
const WINDOW = { from: START, to: START + DAYS * DAY };
const NEW = ['oom-workload-kinds', 'oom-owners', 'node-not-memory', 'node-autoscaled'];

const sim = (scenario: string): Simulation =>
  createSimulation({ scenario, seed: 1, start: START, nodes: 3 });

const ksmAt = (s: Simulation, t: number) =>
  renderKsm(s, t, s.podsAt(t), (n) => s.nodes.conditionsAt(n, t)).text();

describe('variant scenarios', () => {
  for (const scenario of NEW) {
    it(
      `${scenario}: builds, nothing Pending, within allocatable hourly`,
      { timeout: 60_000 },
      () => {
        const s = sim(scenario);
        assert.equal(s.model.pendingSlots.length, 0);
        const problems: string[] = [];
        for (let t = WINDOW.from; t < WINDOW.to; t += HOUR)
          problems.push(...overcommitted(s.podsAt(t), t));
        assert.deepEqual(problems.slice(0, 5), []);
      },
    );
  }

  it(
    'oom-workload-kinds: StatefulSet and DaemonSet loops, kills with exit code 2',
    { timeout: 60_000 },
    () => {
      const gt = groundTruth(sim('oom-workload-kinds'), WINDOW);
      const loop = (kind: string, name: string) =>
        gt.oomLoops.find((l) => l.workload.kind === kind && l.workload.name === name);
      const sts = loop('StatefulSet', 'ledger-db');
      assert.ok(sts && sts.kills.length >= 2, 'StatefulSet loop');
      // StatefulSet pods keep their names across restarts and replacements.
      assert.deepEqual([...new Set(sts.kills.map((k) => k.pod))].sort(), [
        'ledger-db-0',
        'ledger-db-1',
      ]);
      const ds = loop('DaemonSet', 'metrics-agent');
      assert.ok(ds, 'DaemonSet loop');
      // One looping pod per node.
      assert.equal(new Set(ds.kills.map((k) => k.node)).size, 3);
      const wrapped = loop('Deployment', 'pdf-renderer');
      assert.ok(wrapped, 'wrapper loop');
      const codes = new Set(wrapped.kills.map((k) => k.exitCode));
      assert.deepEqual([...codes].sort(), [137, 2].sort());
      assert.ok(gt.oomLoops.every((l) => l.kills.every((k) => k.scope === 'cgroup')));
      assert.equal(gt.flappingNodes.length, 0);
    },
  );

  it(
    'oom-owners: loops name the Deployment and the Rollout, never the ReplicaSet',
    { timeout: 60_000 },
    () => {
      const s = sim('oom-owners');
      const gt = groundTruth(s, WINDOW);
      const refs = gt.oomLoops.map((l) => `${l.workload.kind}/${l.workload.name}`).sort();
      assert.deepEqual(refs, ['Deployment/checkout-legacy', 'Rollout/recommendations']);
      const legacy = gt.oomLoops.find((l) => l.workload.name === 'checkout-legacy');
      assert.ok(legacy?.kills.every((k) => k.pod.startsWith('legacy-rs-blue-')));
      assert.ok(gt.oomLoops.every((l) => l.kills.length >= 2));
    },
  );

  it(
    'oom-owners: the API and kube-state-metrics show the off-convention owners',
    { timeout: 60_000 },
    () => {
      const s = sim('oom-owners');
      const t = START + 20 * HOUR;
      const text = ksmAt(s, t);
      const line = (re: RegExp) => text.split('\n').find((l) => re.test(l));
      assert.ok(
        line(
          /^kube_replicaset_owner\{.*replicaset="legacy-rs-blue".*owner_kind="Deployment".*owner_name="checkout-legacy"/,
        ),
        'kube_replicaset_owner for legacy-rs-blue',
      );
      assert.ok(
        line(
          /^kube_pod_owner\{.*pod="legacy-rs-blue-[a-z0-9]{5}".*owner_kind="ReplicaSet".*owner_name="legacy-rs-blue"/,
        ),
      );
      assert.ok(
        line(
          /^kube_replicaset_owner\{.*replicaset="recommendations-[a-z0-9]+".*owner_kind="Rollout".*owner_name="recommendations"/,
        ),
        'kube_replicaset_owner for the Rollout',
      );
      assert.equal(
        line(/^kube_deployment_spec_replicas\{.*deployment="recommendations"/),
        undefined,
      );
      const view = s.podsAt(t).find((v) => v.slot.workload.name === 'checkout-legacy');
      assert.ok(view);
      const pod = renderPod(s, view, t, '1') as {
        metadata: { ownerReferences: { kind: string; name: string }[] };
      };
      assert.deepEqual(
        pod.metadata.ownerReferences.map((o) => `${o.kind}/${o.name}`),
        ['ReplicaSet/legacy-rs-blue'],
      );
    },
  );

  it(
    'node-not-memory: network flaps and a drain are listed, with no memory evidence',
    { timeout: 60_000 },
    () => {
      const s = sim('node-not-memory');
      const gt = groundTruth(s, WINDOW);
      assert.equal(gt.flappingNodes.length, 0);
      assert.equal(gt.evictions.length, 0);
      assert.equal(gt.systemOoms.length, 0);
      const [flap] = gt.networkFlaps ?? [];
      assert.ok(
        flap && flap.notReady.length >= 4 && flap.readyAgain.length === flap.notReady.length,
      );
      assert.ok(flap.minMemoryAvailableBytes > 20 * flap.evictionThresholdBytes);
      const flapNode = s.model.nodes.find((n) => n.name === flap.node);
      assert.ok(flapNode);
      const changes = s.nodes.changesBetween(flapNode, WINDOW.from, WINDOW.to);
      assert.ok(!changes.some((c) => c.condition === 'MemoryPressure' && c.status === 'True'));
      // Pods keep running through a partition (shorter than the 5 min not-ready toleration).
      const during = (flap.notReady[0] ?? 0) + 45_000;
      assert.ok(s.podsOnNodeAt(flapNode, during).every((v) => v.phase === 'Running'));

      const [drain] = gt.drains ?? [];
      assert.ok(drain && drain.evictedPods.length > 0 && drain.rebootAt !== null);
      assert.ok(drain.readyAgainAt !== null && drain.uncordonedAt !== null);
      assert.ok(drain.evictedPods.every((p) => p.workload.kind !== 'DaemonSet'));
      const drained = s.model.nodes.find((n) => n.name === drain.node);
      assert.ok(drained);
      // Cordoned in kube-state-metrics while drained, schedulable again after.
      const unsched = (t: number) =>
        ksmAt(s, t)
          .split('\n')
          .find(
            (l) =>
              l.startsWith('kube_node_spec_unschedulable{') && l.includes(`node="${drain.node}"`),
          );
      assert.match(unsched(drain.cordonedAt + 60_000) ?? '', / 1$/);
      assert.match(unsched(drain.uncordonedAt + 60_000) ?? '', / 0$/);
      // Evicted through the API: terminating for the grace period, then gone (not Failed/Evicted).
      const last = Math.max(...drain.evictedPods.map((p) => p.at));
      const after = s.podsOnNodeAt(drained, last + TERMINATION_GRACE_MS + 1000);
      assert.ok(
        after.every((v) => v.slot.workload.kind === 'DaemonSet'),
        'only DaemonSet pods stay',
      );
      assert.ok(!s.podsAt(last + 1000).some((v) => v.evicted && v.node === drained));
    },
  );

  it(
    'node-autoscaled: deleted nodes leave the API and kube-state-metrics, their pods go',
    { timeout: 60_000 },
    () => {
      const s = sim('node-autoscaled');
      const gt = groundTruth(s, WINDOW);
      const deleted = gt.deletedNodes ?? [];
      assert.equal(deleted.length, 2);
      assert.equal(gt.flappingNodes.length, 0);
      for (const d of deleted) {
        assert.ok(d.pods.length > 0, `${d.node} had pods`);
        const after = d.deletedAt + 5 * 60_000;
        assert.ok(!s.podsAt(after).some((v) => v.node?.name === d.node));
        assert.ok(!ksmAt(s, after).includes(`node="${d.node}"`));
        assert.ok(ksmAt(s, d.deletedAt - 1000).includes(`kube_node_info{node="${d.node}"`));
      }
      // The autoscaler drained the first before deleting it.
      assert.equal(gt.drains?.length, 1);
    },
  );
});

describe('evaluation variants', () => {
  it('name known scenarios, resolve as export options, and stay small', { timeout: 10_000 }, () => {
    checkVariants();
    assert.equal(new Set(VARIANTS.map((v) => v.name)).size, VARIANTS.length);
    for (const v of VARIANTS) {
      assert.ok((v.days ?? 2) <= 2 && (v.nodes ?? 4) <= 4, v.name);
      resolveOptions({ from: START, to: START + DAY, stepMs: v.stepMs, ...v.exportOptions });
    }
    const has = (p: (v: (typeof VARIANTS)[number]) => boolean) => VARIANTS.some(p);
    assert.ok(has((v) => v.exportOptions.ksmVersion === 1));
    assert.ok(has((v) => v.exportOptions.cadvisorLabels === 'legacy'));
    for (const f of [
      'kube_pod_container_status_last_terminated_timestamp',
      'kube_pod_container_state_started',
      'container_start_time_seconds',
      'node-exporter',
    ])
      assert.ok(
        has((v) => v.exportOptions.omit?.includes(f) ?? false),
        f,
      );
    for (const step of [15_000, 60_000, 300_000])
      assert.ok(
        has((v) => v.stepMs === step),
        `${step}`,
      );
    for (const scenario of NEW)
      assert.ok(
        has((v) => v.scenario === scenario),
        scenario,
      );
  });
});
