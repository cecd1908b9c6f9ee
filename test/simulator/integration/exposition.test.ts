// kube-state-metrics, cAdvisor and kubelet exposition as promtool judges it. The only findings
// allowed are those the real exporters' own output also gets (checked on the shared fixtures):
//   cAdvisor: `container_memory_failcnt counter metrics should have "_total" suffix` and
//             `cadvisor_version_info label names should be written in 'snake_case' not 'camelCase'`.
//   kube-state-metrics v2: none (the v1 fixture's findings come from names v2 renamed).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { requireServices } from '../../support/services.js';
import { startSimulator, type RunningSimulator } from '../../../simulator/index.js';
import { readFile } from 'node:fs/promises';

// Copies of the shared captures are kept in the repository, so a plain checkout runs this.
const FIXTURES = new URL('../../collectors/formats/fixtures/', import.meta.url);

function checkMetrics(text: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', () => resolve([...new Set(out.split('\n').filter(Boolean))]));
    child.stdin.end(text);
  });
}

const CADVISOR_KNOWN = [
  'container_memory_failcnt counter metrics should have "_total" suffix',
  "cadvisor_version_info label names should be written in 'snake_case' not 'camelCase'",
];

describe('exposition formats', () => {
  let sim: RunningSimulator;
  before(async () => {
    await requireServices('prometheus');
    sim = await startSimulator({
      scenario: 'mixed',
      nodes: 6,
      seed: 2,
      start: Date.UTC(2025, 0, 6),
    });
  });
  after(async () => {
    await sim.close();
  });

  it('the real cAdvisor golden output gets exactly the findings we tolerate', async () => {
    const real = await checkMetrics(
      await readFile(new URL('cadvisor-prometheus_metrics.txt', FIXTURES), 'utf8'),
    );
    for (const known of CADVISOR_KNOWN)
      assert.ok(real.includes(known), `fixture also gets: ${known}`);
  });

  it('kube-state-metrics text passes promtool check metrics', async () => {
    const res = await fetch(`${sim.url}/ksm/metrics`);
    assert.equal(res.status, 200);
    const text = await res.text();
    for (const family of [
      'kube_pod_container_resource_requests',
      'kube_pod_container_resource_limits',
      'kube_pod_container_status_restarts_total',
      'kube_pod_container_status_last_terminated_reason',
      'kube_pod_container_status_last_terminated_exitcode',
      'kube_node_status_condition',
      'kube_node_status_allocatable',
      'kube_node_status_capacity',
      'kube_pod_owner',
      'kube_pod_info',
    ]) {
      assert.match(text, new RegExp(`^${family}\\{`, 'm'), family);
    }
    assert.match(
      text,
      /kube_pod_container_status_last_terminated_reason\{[^}]*reason="OOMKilled"\} 1/,
    );
    assert.deepEqual(await checkMetrics(text), []);
  });

  it('cAdvisor and /metrics/resource through the node proxy pass, bar the real exporter quirks', async () => {
    for (const node of sim.simulation.model.nodes.slice(0, 3)) {
      const cadvisor = await (
        await fetch(`${sim.url}/api/v1/nodes/${node.name}/proxy/metrics/cadvisor`)
      ).text();
      assert.match(cadvisor, /^container_memory_working_set_bytes\{container="[a-z]/m);
      const problems = (await checkMetrics(cadvisor)).filter((p) => !CADVISOR_KNOWN.includes(p));
      assert.deepEqual(problems, []);
      const resource = await (
        await fetch(`${sim.url}/api/v1/nodes/${node.name}/proxy/metrics/resource`)
      ).text();
      assert.match(resource, /^node_memory_working_set_bytes \d+ \d+$/m);
      assert.deepEqual(await checkMetrics(resource), []);
    }
  });

  it('the Summary API matches the kubelet shape and agrees with cAdvisor', async () => {
    const node = sim.simulation.model.nodes[0];
    assert.ok(node);
    const summary = (await (
      await fetch(`${sim.url}/api/v1/nodes/${node.name}/proxy/stats/summary`)
    ).json()) as {
      node: { nodeName: string; memory: { availableBytes: number; workingSetBytes: number } };
      pods: {
        podRef: { name: string };
        containers: { name: string; memory: { workingSetBytes: number } }[];
      }[];
    };
    assert.equal(summary.node.nodeName, node.name);
    assert.equal(
      summary.node.memory.availableBytes,
      node.memoryBytes - summary.node.memory.workingSetBytes,
    );
    assert.ok(summary.pods.length > 3);
    const pod = summary.pods[0];
    const c = pod?.containers[0];
    assert.ok(pod && c);
    const cadvisor = await (
      await fetch(`${sim.url}/api/v1/nodes/${node.name}/proxy/metrics/cadvisor`)
    ).text();
    const line = cadvisor
      .split('\n')
      .find(
        (l) =>
          l.startsWith('container_memory_working_set_bytes{') &&
          l.includes(`container="${c.name}"`) &&
          l.includes(`pod="${pod.podRef.name}"`),
      );
    assert.equal(Number(line?.split(' ')[1]), c.memory.workingSetBytes);
  });
});
