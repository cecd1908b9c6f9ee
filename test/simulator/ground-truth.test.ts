// Ground truth agrees with what the API and the metrics show, and is deterministic per seed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSimulation, groundTruth } from '../../simulator/index.js';
import { renderNode } from '../../simulator/render/nodes.js';
import { renderPod } from '../../simulator/render/pods.js';
import type { Simulation } from '../../simulator/model/simulation.js';

const START = Date.UTC(2025, 0, 6);
const DAY = 86_400_000;
const HOUR = 3_600_000;
const window = { from: START, to: START + 4 * DAY };

interface PodJson {
  metadata: { uid: string; name: string };
  status: {
    containerStatuses: {
      lastState: { terminated?: { reason: string; exitCode: number; finishedAt: string } };
      restartCount: number;
      state: Record<string, unknown>;
    }[];
  };
}

/** The pod object the API serves at t for a given pod uid. */
function podAt(sim: Simulation, uid: string, t: number): PodJson | undefined {
  const view = sim.podsAt(t).find((v) => v.pod.uid === uid);
  return view ? (renderPod(sim, view, t, '1') as unknown as PodJson) : undefined;
}

describe('ground truth', () => {
  const oom = createSimulation({ scenario: 'oom-loops', seed: 3, start: START });
  const truth = groundTruth(oom, window);

  it('names one loop per kind and one single OOM', () => {
    assert.deepEqual(truth.oomLoops.map((l) => l.kind).sort(), [
      'load_spike',
      'slow_leak',
      'startup',
    ]);
    assert.equal(truth.singleOoms.length, 1);
  });

  it('every OOM kill shows in the API as lastState.terminated OOMKilled at that time', () => {
    const kills = [
      ...truth.oomLoops.flatMap((l) => l.kills.slice(0, 40)),
      ...truth.singleOoms.map((s) => s.kill),
    ];
    assert.ok(kills.length > 20);
    for (const kill of kills) {
      // Just after the kill: the container is in back-off or restarted, showing the kill.
      const pod = podAt(oom, kill.podUid, kill.at + 1000);
      assert.ok(pod, `pod ${kill.pod} visible after its kill`);
      const status = pod.status.containerStatuses[0];
      const last = status?.lastState.terminated;
      assert.equal(last?.reason, 'OOMKilled');
      assert.equal(last?.exitCode, kill.exitCode);
      assert.equal(
        last?.finishedAt,
        new Date(Math.floor(kill.at / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
      );
      assert.equal(status?.restartCount, kill.restartCount);
    }
  });

  it('the working set reaches the limit right before each cgroup kill', () => {
    for (const loop of truth.oomLoops) {
      for (const kill of loop.kills.slice(0, 20)) {
        const view = oom.podsAt(kill.at - 500).find((v) => v.pod.uid === kill.podUid);
        const cv = view?.containers[0];
        assert.ok(view && cv?.run, 'running just before the kill');
        const ws = oom.usage.memory(view.pod, 0, cv.run, kill.at - 500);
        assert.ok(
          ws >= loop.limitBytes * 0.95,
          `${loop.kind}: ${ws} near limit ${loop.limitBytes}`,
        );
      }
    }
  });

  it('shapes each loop kind the way the issue describes', () => {
    const byKind = new Map(truth.oomLoops.map((l) => [l.kind, l]));
    const leak = byKind.get('slow_leak');
    const startup = byKind.get('startup');
    assert.ok(leak && startup);
    for (const kill of leak.kills) {
      const lived = (kill.at - kill.startedAt) / HOUR;
      assert.ok(lived >= 3 && lived <= 6.01, `leak kill after ${lived} h`);
    }
    assert.ok(
      new Set(leak.kills.map((k) => k.pod)).size > 2,
      'the leak continues across pod replacements',
    );
    for (const kill of startup.kills) assert.ok(kill.at - kill.startedAt < 60_000);
    assert.equal(startup.crashLoopBackOff, true);
    assert.equal(leak.crashLoopBackOff, false);
    const codes = truth.oomLoops.flatMap((l) => l.kills.map((k) => k.exitCode));
    assert.ok(codes.filter((c) => c === 137).length > codes.length * 0.7);
    assert.ok(
      codes.some((c) => c !== 137),
      'some OOM kills report another exit code',
    );
  });

  it('flapping: several MemoryPressure cycles an hour, NotReady flips, a reboot that is not flapping', () => {
    const sim = createSimulation({ scenario: 'node-flapping', seed: 5, start: START });
    const t = groundTruth(sim, window);
    assert.equal(t.flappingNodes.length, 1);
    const flap = t.flappingNodes[0];
    assert.ok(flap);
    assert.equal(flap.cause.allocatableEqualsCapacity, true);
    assert.ok(flap.cause.bestEffortWorkloads.length >= 2);
    const node = sim.model.nodes.find((n) => n.name === flap.node);
    assert.ok(node);
    const rendered = renderNode(sim, node, START, '1') as {
      status: { capacity: { memory: string }; allocatable: { memory: string } };
    };
    assert.equal(rendered.status.allocatable.memory, rendered.status.capacity.memory);
    assert.ok(flap.episodes.length >= 3);
    for (const e of flap.episodes) {
      const hours = (e.to - e.from) / HOUR;
      assert.ok(e.cycles / hours >= 2, `${e.cycles} cycles in ${hours.toFixed(1)} h`);
      assert.ok(e.notReady.length > 0);
      for (const at of e.memoryPressureTrue) {
        const mp: { status: string } | undefined = sim.nodes
          .conditionsAt(node, at + 1000)
          .find((c) => c.type === 'MemoryPressure');
        assert.equal(mp?.status, 'True');
      }
    }
    assert.ok(t.evictions.length > 0 && t.systemOoms.length > 0);
    assert.equal(t.reboots.length, 1);
    const reboot = t.reboots[0];
    assert.ok(reboot && reboot.readyAgainAt > reboot.at);
    assert.notEqual(reboot.node, flap.node);
  });

  it('misfit: each kind is planted with a right size on the correct side of the current request', () => {
    const sim = createSimulation({ scenario: 'misfit', seed: 9, start: START });
    const m = new Map(groundTruth(sim, window).misfits.map((x) => [x.kind, x]));
    assert.deepEqual([...m.keys()].sort(), [
      'cpu_throttled',
      'limit_far_above_request',
      'no_requests',
      'over_requested',
      'right_sized',
      'under_requested',
    ]);
    const inRange = (v: number | undefined, [lo, hi]: [number, number]) =>
      v !== undefined && v >= lo && v <= hi;
    const right = m.get('right_sized');
    assert.ok(
      right &&
        inRange(right.requests.memoryBytes, right.acceptable.memoryRequest) &&
        inRange(right.requests.cpuCores, right.acceptable.cpuRequest),
    );
    const over = m.get('over_requested');
    assert.ok(over && (over.requests.memoryBytes ?? 0) > over.acceptable.memoryRequest[1]);
    const under = m.get('under_requested');
    assert.ok(under && (under.requests.cpuCores ?? 0) < under.acceptable.cpuRequest[0]);
    assert.deepEqual(m.get('no_requests')?.requests, {});
    assert.ok((m.get('cpu_throttled')?.throttledRatio ?? 0) > 0.25);
  });

  it('is deterministic for a seed and different across seeds', () => {
    const again = groundTruth(
      createSimulation({ scenario: 'oom-loops', seed: 3, start: START }),
      window,
    );
    assert.deepEqual(again, truth);
    const other = groundTruth(
      createSimulation({ scenario: 'oom-loops', seed: 4, start: START }),
      window,
    );
    assert.notDeepEqual(other.oomLoops, truth.oomLoops);
  });
});
