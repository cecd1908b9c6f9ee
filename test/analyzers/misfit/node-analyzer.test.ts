import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCapacityAnalyzer } from '../../../analyzers/misfit/node-analyzer.js';
import { envelope, type AnyEnvelope } from '../../../core/envelope.js';
import type { Node } from '../../../core/domain.js';
import {
  CLUSTER,
  DAY,
  GIB,
  nodeOf,
  podOf,
  START,
  storeWith,
  type WorkloadFixture,
} from '../recommendations/fixtures.js';

const WINDOW = { from: START, to: START + 7 * DAY };

function nodeUsage(node: string, memoryBytes: number): AnyEnvelope[] {
  return Array.from({ length: 48 }, (_, i) =>
    envelope(
      'usage_sample',
      {
        cluster: CLUSTER,
        metric: 'node_memory_working_set_bytes',
        timestamp: START + i * 3_600_000,
        value: memoryBytes * (i === 20 ? 1 : 0.8),
        node,
      },
      'test',
    ),
  );
}

function pods(node: string, count: number, spec: WorkloadFixture['spec']): AnyEnvelope[] {
  return Array.from({ length: count }, (_, r) =>
    envelope(
      'pod',
      podOf(
        {
          namespace: 'shop',
          name: `svc-${node}`,
          container: 'app',
          replicas: count,
          spec,
          node,
          cpu: () => 0,
          memory: () => 0,
        },
        r,
      ),
      'test',
      START,
    ),
  );
}

const node = (n: Node) => envelope('node', n, 'test', START);

describe('node capacity analyzer', () => {
  it('flags no system reserve, drawn-on limit overcommit and stranded CPU', async () => {
    const store = await storeWith([
      // allocatable == capacity
      node(nodeOf('node-a', { allocatable: { cpuCores: 8, memoryBytes: 32 * GIB } })),
      ...pods('node-a', 2, {
        requests: { cpuCores: 0.5, memoryBytes: GIB },
        limits: { memoryBytes: 2 * GIB },
      }),
      // limits 10 × 6 GiB = 60 GiB on 30 GiB allocatable, peak use 29 GiB
      node(nodeOf('node-b')),
      ...pods('node-b', 10, {
        requests: { cpuCores: 0.2, memoryBytes: 2 * GIB },
        limits: { memoryBytes: 6 * GIB },
      }),
      ...nodeUsage('node-b', 29 * GIB),
      // memory fully requested, 6 cores free
      node(nodeOf('node-c')),
      ...pods('node-c', 7, {
        requests: { cpuCores: 0.2, memoryBytes: 4.2 * GIB },
        limits: { memoryBytes: 4.2 * GIB },
      }),
    ]);
    const findings = await nodeCapacityAnalyzer().analyze({
      cluster: CLUSTER,
      window: WINDOW,
      now: WINDOW.to,
      store,
    });
    const got = findings
      .map((f) => [f.subject.type === 'node' ? f.subject.node : 'pool', f.category, f.severity])
      .sort();
    assert.deepEqual(got, [
      ['node-a', 'no_system_reserved', 'warning'],
      ['node-b', 'limits_overcommit', 'critical'],
      ['pool', 'stranded_capacity', 'warning'],
    ]);
    assert.equal(new Set(findings.map((f) => f.id)).size, 3);
    const stranded = findings.find((f) => f.category === 'stranded_capacity')!;
    assert.equal(stranded.subject.type, 'cluster');
    assert.deepEqual(stranded.evidence.cpuStrandingNodes, ['node-c']);
    assert.match(
      stranded.explanation,
      /6\.5 cores of CPU sit unrequested on 1 node whose memory is \(almost\) fully requested/,
    );
    const overcommit = findings.find((f) => f.category === 'limits_overcommit')!;
    assert.match(
      overcommit.explanation,
      /up to 60 GiB by their limits .* on 30 GiB allocatable, and the node's working set peaked at 29 GiB \(97%\)/,
    );
    const reserve = findings.find((f) => f.category === 'no_system_reserved')!;
    assert.match(reserve.recommendation, /kube-reserved/);
  });
});
