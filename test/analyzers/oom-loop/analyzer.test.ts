// The OOM-loop analyzer over a real in-memory store filled with constructed records: what it
// flags, what it leaves alone, and what it says.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContainerTermination, Pod } from '../../../core/domain.js';
import { envelope, type AnyEnvelope } from '../../../core/envelope.js';
import { createOomLoopAnalyzer } from '../../../analyzers/oom-loop/analyzer.js';
import { MemoryStore } from '../../../store/memory.js';

const MI = 1024 * 1024;
const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2025, 0, 6);
const CLUSTER = 'test';
const workload = { namespace: 'shop', kind: 'Deployment', name: 'pricing' };

function kill(
  at: number,
  ranForMs: number,
  restartCount: number,
  limit: number | undefined,
  exitCode = 137,
): AnyEnvelope {
  const t: ContainerTermination = {
    cluster: CLUSTER,
    namespace: 'shop',
    pod: 'pricing-abc-1',
    podUid: 'uid-1',
    node: 'node-1',
    workload,
    container: 'app',
    termination: { reason: 'OOMKilled', exitCode, startedAt: at - ranForMs, finishedAt: at },
    restartCount,
    requests: { memoryBytes: 512 * MI },
    limits: limit === undefined ? {} : { memoryBytes: limit },
  };
  return envelope('container_termination', t, 'test', at);
}

function pod(hints: string[]): AnyEnvelope {
  const p: Pod = {
    cluster: CLUSTER,
    namespace: 'shop',
    name: 'pricing-abc-1',
    uid: 'uid-1',
    nodeName: 'node-1',
    workload,
    qosClass: 'Burstable',
    phase: 'Running',
    labels: {},
    containers: [
      {
        name: 'app',
        image: 'pricing:1',
        resources: { requests: { memoryBytes: 512 * MI }, limits: { memoryBytes: 1024 * MI } },
        runtimeHints: hints,
        state: { kind: 'running' },
        restartCount: 3,
        init: false,
      },
    ],
    createdAt: T0 - HOUR,
  };
  return envelope('pod', p, 'test', T0);
}

async function analyze(records: AnyEnvelope[], now: number) {
  const store = new MemoryStore();
  await store.write(records);
  const analyzer = createOomLoopAnalyzer();
  return analyzer.analyze({
    cluster: CLUSTER,
    window: { from: now - analyzer.windowMs, to: now },
    now,
    store,
  });
}

describe('OOM-loop analyzer', () => {
  it('says nothing about a single OOM kill', async () => {
    assert.deepEqual(await analyze([kill(T0 + HOUR, 3 * HOUR, 0, 1024 * MI)], T0 + 2 * HOUR), []);
  });

  it('flags a JVM that dies at start-up and names the heap flag to change', async () => {
    const kills = [0, 1, 2, 3].map((i) =>
      kill(T0 + i * 5 * MIN, 30_000, i, 1024 * MI, i === 2 ? 1 : 137),
    );
    const [finding, ...rest] = await analyze([pod(['-Xmx1536m']), ...kills], T0 + 20 * MIN);
    assert.equal(rest.length, 0);
    assert.equal(finding?.category, 'startup');
    assert.equal(finding?.severity, 'critical');
    assert.match(
      finding?.recommendation ?? '',
      /-Xmx1536m exceeds the 1Gi limit: .*MaxRAMPercentage=75/,
    );
    assert.match(finding?.explanation ?? '', /exit codes 137 ×3, 1 ×1/);
    assert.deepEqual(finding?.subject, {
      type: 'workload_container',
      cluster: CLUSTER,
      workload,
      container: 'app',
    });
  });

  it('leaves kills of containers without a limit to the node analyzer', async () => {
    const kills = [0, 1, 2].map((i) => kill(T0 + i * 5 * MIN, 30_000, i, undefined));
    assert.deepEqual(await analyze(kills, T0 + 20 * MIN), []);
  });

  it('flags a slow leak after its second kill, with the growth rate', async () => {
    const records: AnyEnvelope[] = [pod([])];
    const start = T0;
    for (let t = start; t < start + 8 * HOUR; t += 5 * MIN) {
      const sinceStart = (t - start) % (4 * HOUR);
      records.push(
        envelope(
          'usage_sample',
          {
            cluster: CLUSTER,
            metric: 'memory_working_set_bytes',
            timestamp: t,
            value: 256 * MI + (sinceStart / HOUR) * 190 * MI,
            node: 'node-1',
            namespace: 'shop',
            pod: 'pricing-abc-1',
            podUid: 'uid-1',
            container: 'app',
            workload,
          },
          'test',
          t,
        ),
      );
    }
    records.push(
      kill(start + 4 * HOUR, 4 * HOUR, 0, 1024 * MI),
      kill(start + 8 * HOUR, 4 * HOUR, 1, 1024 * MI),
    );
    const [finding] = await analyze(records, start + 8 * HOUR + MIN);
    assert.equal(finding?.category, 'slow_leak');
    assert.match(finding?.explanation ?? '', /about 19\d MiB\/h/);
    assert.match(finding?.recommendation ?? '', /Fix the leak/);
  });
});
