// One problem, one verdict: a container whose OOM loop is a slow leak is told to fix the leak by
// every finding about it — misfit and recommendation keep its memory limit and link to the loop —
// and the patch export leaves its memory out, saying why. A flapping node is the verdict on that
// node: its capacity findings link to it and size the system reservation the same way.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContainerTermination, Finding, Pod } from '../../core/domain.js';
import { envelope, type AnyEnvelope } from '../../core/envelope.js';
import { createAnalyzers } from '../../analyzers/index.js';
import { excludedChanges, recommendationPatches } from '../../analyzers/recommendations/patches.js';
import { AnalyzerRunner } from '../../analyzers/runner.js';
import { adviceOf, followVerdict, type MemoryVerdict } from '../../analyzers/verdicts.js';
import { disagreements, unwindowedCounts } from '../../eval/agreement.js';
import { replayChunks } from '../../simulator/index.js';
import { judgedScenario } from '../support/judged-scenario.js';
import { MemoryStore } from '../../store/memory.js';

const MI = 1024 * 1024;
const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2025, 0, 6);
const CLUSTER = 'test';
const workload = { namespace: 'search', kind: 'Deployment', name: 'suggest-cache' };
const LIMIT = 1024 * MI;
const RUN = 4 * HOUR;
const DAYS = 3;

function leakingContainer(): AnyEnvelope[] {
  const pod: Pod = {
    cluster: CLUSTER,
    namespace: 'search',
    name: 'suggest-cache-7d9f8-x1',
    uid: 'uid-leak',
    nodeName: 'node-1',
    workload,
    qosClass: 'Burstable',
    phase: 'Running',
    labels: {},
    containers: [
      {
        name: 'suggest',
        image: 'suggest:1',
        resources: {
          requests: { memoryBytes: 512 * MI, cpuCores: 2 },
          limits: { memoryBytes: LIMIT },
        },
        state: { kind: 'running' },
        restartCount: 0,
        init: false,
      },
    ],
    createdAt: T0 - HOUR,
  };
  const records: AnyEnvelope[] = [envelope('pod', pod, 'test', T0)];
  const sample = (
    metric: 'memory_working_set_bytes' | 'cpu_usage_cores',
    t: number,
    value: number,
  ) =>
    envelope(
      'usage_sample',
      {
        cluster: CLUSTER,
        metric,
        timestamp: t,
        value,
        node: 'node-1',
        namespace: 'search',
        pod: pod.name,
        podUid: pod.uid,
        container: 'suggest',
        workload,
      },
      'test',
      t,
    );
  for (let t = T0; t < T0 + DAYS * 24 * HOUR; t += 5 * MIN) {
    const sinceStart = (t - T0) % RUN;
    // Grows ~190 MiB/h from 256 MiB until the 1 GiB limit kills it, every 4 h.
    records.push(sample('memory_working_set_bytes', t, 256 * MI + (sinceStart / HOUR) * 190 * MI));
    records.push(sample('cpu_usage_cores', t, 0.2));
  }
  for (let i = 1; i * RUN <= DAYS * 24 * HOUR; i++) {
    const at = T0 + i * RUN - MIN;
    const t: ContainerTermination = {
      cluster: CLUSTER,
      namespace: 'search',
      pod: pod.name,
      podUid: pod.uid,
      node: 'node-1',
      workload,
      container: 'suggest',
      termination: {
        reason: 'OOMKilled',
        exitCode: 137,
        startedAt: at - RUN + MIN,
        finishedAt: at,
      },
      restartCount: i - 1,
      requests: { memoryBytes: 512 * MI, cpuCores: 2 },
      limits: { memoryBytes: LIMIT },
    };
    records.push(envelope('container_termination', t, 'test', at));
  }
  return records;
}

async function judged(): Promise<Finding[]> {
  const store = new MemoryStore();
  await store.write(leakingContainer());
  const runner = new AnalyzerRunner({
    cluster: CLUSTER,
    analyzers: createAnalyzers(),
    reader: store,
    findings: store,
  });
  await runner.run({ now: T0 + DAYS * 24 * HOUR });
  return (await store.findings({ cluster: CLUSTER, status: 'open', limit: 100 })).items;
}

describe('one verdict per container', { timeout: 120_000 }, () => {
  it('makes misfit and recommendation follow a slow leak: keep the limit, link to the loop', async () => {
    const findings = await judged();
    const loop = findings.find((f) => f.kind === 'oom_loop');
    assert.equal(loop?.category, 'slow_leak');
    assert.deepEqual(loop?.evidence.memoryAdvice, { action: 'fix_leak' });
    const others = findings.filter(
      (f) => f.kind === 'requests_misfit' || f.kind === 'recommendation',
    );
    assert.ok(
      others.some((f) => f.category === 'tight_memory_limit'),
      `a tight-limit misfit is raised (${others.map((f) => f.category).join(', ')})`,
    );
    for (const f of others) {
      assert.equal(f.relatedTo, loop.id, `${f.kind}/${f.category} links to the loop`);
      assert.ok(
        !adviceOf(f).some((a) => a.resource === 'memory_limit' && a.direction === 'raise'),
        `${f.kind}/${f.category} does not raise the memory limit`,
      );
      assert.doesNotMatch(f.recommendation, /Raise the memory limit/);
    }
    const tight = others.find((f) => f.category === 'tight_memory_limit')!;
    assert.match(tight.recommendation, /fix the leak and keep the current memory limit/);
    assert.deepEqual(disagreements(findings), []);
    assert.deepEqual(unwindowedCounts(findings), []);
  });

  it('leaves the memory of a leaking container out of the exported patch, saying why', async () => {
    const findings = await judged();
    const patched = JSON.stringify(recommendationPatches(findings));
    assert.doesNotMatch(patched, /"memory"/, 'no memory in the patch');
    const [excluded, ...more] = excludedChanges(findings);
    assert.equal(more.length, 0);
    assert.equal(excluded?.container, 'suggest');
    assert.match(excluded?.reason ?? '', /slow leak: fix the leak/);
  });

  it('raises a limit that is too low to at least the loop’s own limit', () => {
    const verdict: MemoryVerdict = {
      findingId: 'f1',
      category: 'limit_too_low',
      advice: { action: 'raise_limit', limitBytes: 1536 * MI },
    };
    const sized = followVerdict(
      {
        kind: 'recommendation',
        strategy: 'plimsoll',
        requests: { memoryBytes: 900 * MI },
        limits: { memoryBytes: 1200 * MI },
        confidence: { level: 'high', score: 1, historyHours: 72, samples: 1000 },
        basis: [],
      },
      verdict,
      { requests: { memoryBytes: 512 * MI }, limits: { memoryBytes: LIMIT } },
    );
    assert.equal(sized.limits.memoryBytes, 1536 * MI);
    assert.match(sized.basis.join(' '), /OOM-loop verdict/);
  });
});

describe('one verdict per node', { timeout: 180_000 }, () => {
  it('links a flapping node’s capacity findings to the flapping finding, with the same reservation', async () => {
    const start = Date.UTC(2025, 0, 6);
    const { sim, cluster, store, runner } = judgedScenario('node-flapping', start);
    let linked: { flapping: Finding; capacity: Finding[] } | undefined;
    for await (const chunk of replayChunks(
      sim,
      { from: start, to: start + 2 * 24 * HOUR },
      { stepMs: 5 * MIN, chunkMs: HOUR, batchSize: Number.MAX_SAFE_INTEGER },
    )) {
      await store.write(chunk.records);
      // Every analyzer each hour, as the scheduled run does: judged while the node flaps.
      await runner.run({ now: chunk.to });
      const open = (await store.findings({ cluster, status: 'open', limit: 5_000 })).items;
      const flapping = open.find((f) => f.kind === 'node_memory_flapping');
      if (!flapping || flapping.subject.type !== 'node') continue;
      const node = flapping.subject.node;
      const capacity = open.filter(
        (f) =>
          f.kind === 'node_capacity_misfit' && f.subject.type === 'node' && f.subject.node === node,
      );
      if (capacity.some((f) => f.category === 'no_system_reserved')) {
        linked = { flapping, capacity };
        break;
      }
    }
    assert.ok(linked, 'a flapping node with nothing reserved for the system');
    for (const f of linked.capacity) assert.equal(f.relatedTo, linked.flapping.id, f.title);
    const flags = /--kube-reserved=memory=\S+ --system-reserved=memory=[^\s),]+/;
    const fromFlapping = linked.flapping.recommendation.match(flags)?.[0];
    const noReserve = linked.capacity.find((f) => f.category === 'no_system_reserved')!;
    assert.ok(fromFlapping, linked.flapping.recommendation);
    assert.equal(noReserve.recommendation.match(flags)?.[0], fromFlapping);
  });
});
