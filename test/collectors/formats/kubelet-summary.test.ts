import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { envelope, validateEnvelope } from '../../../core/envelope.js';
import { parseJsonText } from '../../../collectors/formats/json-read.js';
import { mapKubeletSummary } from '../../../collectors/formats/kubelet-summary.js';
import { fixture } from './fixtures.js';

const cluster = 'minikube';
const at = (iso: string) => Date.parse(iso);

describe('mapKubeletSummary on the OpenTelemetry capture', () => {
  const json = parseJsonText(fixture('otel-kubelet-stats-summary.json'));
  assert.ok(json.ok);
  const result = mapKubeletSummary(json.value, {
    cluster,
    workloadOf: (namespace, pod) =>
      pod === 'go-hello-world-5456b4b8cd-99vxc'
        ? { namespace, kind: 'Deployment', name: 'go-hello-world' }
        : undefined,
  });

  it('reads node memory and CPU at the node stats time', () => {
    const node = result.samples.filter((s) => s.pod === undefined);
    assert.deepEqual(
      node.map((s) => [s.metric, s.value, s.timestamp, s.node]),
      [
        ['node_memory_available_bytes', 2620624896, at('2020-04-20T22:52:27Z'), 'minikube'],
        ['node_memory_working_set_bytes', 1234567890, at('2020-04-20T22:52:27Z'), 'minikube'],
        ['node_cpu_usage_cores', 0.165737329, at('2020-04-20T22:52:27Z'), 'minikube'],
      ],
    );
  });

  it('reads three series for each of the 9 pod containers, each at its own time', () => {
    assert.equal(result.issues.length, 0);
    assert.equal(result.samples.length, 3 + 9 * 3);
    const coredns = result.samples.filter((s) => s.pod === 'coredns-66bff467f8-szddj');
    assert.deepEqual(
      coredns.map((s) => [s.metric, s.value]),
      [
        ['cpu_usage_cores', 0.003508506],
        ['memory_working_set_bytes', 6250496],
        ['memory_rss_bytes', 6807552],
      ],
    );
    assert.deepEqual(
      { ...coredns[0], metric: undefined, value: undefined },
      {
        cluster,
        metric: undefined,
        value: undefined,
        timestamp: at('2020-04-20T22:52:18Z'),
        node: 'minikube',
        namespace: 'kube-system',
        pod: 'coredns-66bff467f8-szddj',
        podUid: '0adffe8e-9849-4e05-b4cd-92d2d1e1f1c3',
        container: 'coredns',
      },
    );
  });

  it('keeps an idle container (usageNanoCores 0) and attaches the known workload', () => {
    const hello = result.samples.find(
      (s) => s.container === 'server' && s.metric === 'cpu_usage_cores',
    );
    assert.equal(hello?.value, 0);
    assert.deepEqual(hello?.workload, {
      namespace: 'default',
      kind: 'Deployment',
      name: 'go-hello-world',
    });
  });

  it('every sample is a valid domain record', () => {
    for (const sample of result.samples) {
      const check = validateEnvelope(envelope('usage_sample', sample, 'test', 1));
      assert.ok(check.ok, check.ok ? '' : check.reason);
    }
  });
});

describe('mapKubeletSummary on partial or broken input', () => {
  it('a truncated body is a JSON error before mapping', () => {
    const text = fixture('otel-kubelet-stats-summary.json');
    assert.equal(parseJsonText(text.slice(0, 1000)).ok, false);
  });

  it('missing sections yield what is there', () => {
    const result = mapKubeletSummary(
      {
        node: { nodeName: 'n1', memory: { time: '2024-01-01T00:00:00Z', availableBytes: 5 } },
        pods: [
          { podRef: { name: 'starting', namespace: 'a' } },
          { podRef: { name: 'p', namespace: 'a' }, containers: [{ name: 'c' }] },
        ],
      },
      { cluster },
    );
    assert.deepEqual(
      result.samples.map((s) => [s.metric, s.value]),
      [['node_memory_available_bytes', 5]],
    );
    assert.deepEqual(result.issues, []);
  });

  it('bad values, bad times and anonymous pods are reported, the rest kept', () => {
    const result = mapKubeletSummary(
      {
        node: { nodeName: 'n1', cpu: { time: 'yesterday', usageNanoCores: 1 } },
        pods: [
          { containers: [{ name: 'c' }] },
          {
            podRef: { name: 'p', namespace: 'a' },
            containers: [
              {
                name: 'c',
                memory: { time: '2024-01-01T00:00:00Z', workingSetBytes: -1, rssBytes: '12' },
                cpu: { time: '2024-01-01T00:00:00Z', usageNanoCores: 2e9 },
              },
              { memory: { time: '2024-01-01T00:00:00Z', workingSetBytes: 1 } },
            ],
          },
        ],
      },
      { cluster },
    );
    assert.deepEqual(
      result.samples.map((s) => [s.metric, s.value, s.podUid]),
      [['cpu_usage_cores', 2, undefined]],
    );
    assert.deepEqual(
      result.issues.map((i) => [i.code, i.path]),
      [
        ['invalid_time', 'node.cpu.time'],
        ['missing_field', 'pods[0].podRef'],
        ['invalid_value', 'pods[1].containers[0].memory.workingSetBytes'],
        ['invalid_value', 'pods[1].containers[0].memory.rssBytes'],
        ['missing_field', 'pods[1].containers[1].name'],
      ],
    );
  });

  it('a non-object body yields no samples and one issue', () => {
    const result = mapKubeletSummary('oops', { cluster });
    assert.deepEqual(result.samples, []);
    assert.deepEqual(
      result.issues.map((i) => i.code),
      ['missing_field'],
    );
  });
});
