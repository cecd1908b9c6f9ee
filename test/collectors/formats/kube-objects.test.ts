import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Node } from '../../../core/domain.js';
import { recordId, validateEnvelope, envelope } from '../../../core/envelope.js';
import { parseJsonText } from '../../../collectors/formats/json-read.js';
import {
  computeQosClass,
  containerTerminations,
  mapEvent,
  mapNode,
  mapPod,
  mapPodList,
  nodeTransitions,
} from '../../../collectors/formats/kube-objects.js';
import { nodePool } from '../../../collectors/formats/node-pool.js';
import { runtimeHintsOf } from '../../../collectors/formats/runtime-hints.js';
import { resolveWorkload } from '../../../collectors/formats/workload-ref.js';
import { fixture } from './fixtures.js';

const cluster = 'gke-test';
const ms = (iso: string) => Date.parse(iso);

function kubeletPods() {
  const json = parseJsonText(fixture('datadog-kubelet-pods_crashed.json'));
  assert.ok(json.ok);
  return mapPodList(json.value, { cluster });
}

describe('mapPodList on the kubelet /pods capture', () => {
  const { pods, issues, rejected } = kubeletPods();
  const byUid = new Map(pods.map((p) => [p.uid, p]));
  const fluentd = byUid.get('2edfd4d9-10ce-11e8-bd5a-42010af00137');

  it('maps all six items, keeping the two that share a name apart by uid', () => {
    assert.equal(rejected, 0);
    assert.equal(pods.length, 6);
    const twins = pods.filter((p) => p.name === 'fluentd-gcp-v2.0.10-9q9t4');
    assert.deepEqual(twins.map((p) => p.uid).sort(), [
      '2edfd4d9-10ce-11e8-bd5a-42010af00137',
      '2fdfd4d9-10ce-11e8-bd5a-42010af00137',
    ]);
  });

  it('every mapped pod is a valid domain record', () => {
    for (const pod of pods) {
      const check = validateEnvelope(envelope('pod', pod, 'test', 1));
      assert.ok(check.ok, check.ok ? '' : `${pod.name}: ${check.reason}`);
    }
  });

  it('fluentd: OOMKilled with exit code 2, its times, requests and limits', () => {
    assert.ok(fluentd);
    assert.equal(fluentd.nodeName, 'gke-haissam-default-pool-be5066f1-wnvn');
    assert.equal(fluentd.qosClass, 'Burstable');
    assert.equal(fluentd.phase, 'Running');
    assert.deepEqual(fluentd.workload, {
      namespace: 'kube-system',
      kind: 'DaemonSet',
      name: 'fluentd-gcp-v2.0.10',
    });
    assert.equal(fluentd.createdAt, ms('2018-02-13T14:57:17Z'));
    const main = fluentd.containers.find((c) => c.name === 'fluentd-gcp');
    assert.deepEqual(main?.lastTermination, {
      reason: 'OOMKilled',
      exitCode: 2,
      startedAt: ms('2018-02-13T16:01:13Z'),
      finishedAt: ms('2018-02-13T16:05:48Z'),
    });
    assert.deepEqual(main?.state, { kind: 'running', startedAt: ms('2018-02-13T16:10:45Z') });
    assert.equal(main?.restartCount, 1);
    assert.deepEqual(main?.resources, {
      requests: { cpuCores: 0.1, memoryBytes: 200 * 1024 ** 2 },
      limits: { memoryBytes: 300 * 1024 ** 2 },
    });
    const exporter = fluentd.containers.find((c) => c.name === 'prometheus-to-sd-exporter');
    assert.deepEqual(exporter?.state, { kind: 'waiting', reason: 'CrashLoopBackOff' });
    assert.deepEqual(exporter?.resources, { requests: {}, limits: {} });
  });

  it('the init container is listed first, Completed', () => {
    const init = fluentd?.containers[0];
    assert.equal(init?.name, 'init');
    assert.equal(init?.init, true);
    assert.equal(init?.image, 'alpine:latest');
    assert.deepEqual(init?.state, {
      kind: 'terminated',
      reason: 'Completed',
      startedAt: ms('2024-02-27T19:30:39Z'),
    });
    assert.deepEqual(init?.lastTermination, {
      reason: 'Completed',
      exitCode: 0,
      startedAt: ms('2024-02-27T19:30:39Z'),
      finishedAt: ms('2024-02-27T19:30:49Z'),
    });
    assert.equal(fluentd?.containers.filter((c) => c.init).length, 1);
  });

  it('the static kube-proxy pod: Pending, no status, no owner, time from config.seen', () => {
    const proxy = pods.find((p) => p.name.startsWith('kube-proxy-'));
    assert.ok(proxy);
    assert.equal(proxy.phase, 'Pending');
    assert.equal(proxy.uid, '260c2b1d43b094af6d6b4ccba082c2db');
    assert.deepEqual(proxy.workload, { namespace: 'kube-system', kind: 'Pod', name: proxy.name });
    // Only a CPU request: Burstable, computed because the kubelet left qosClass out.
    assert.equal(proxy.qosClass, 'Burstable');
    assert.deepEqual(proxy.containers[0]?.state, { kind: 'unknown' });
    assert.equal(proxy.containers[0]?.restartCount, 0);
    assert.equal(proxy.createdAt, Date.UTC(2018, 1, 13, 16, 10, 19, 507));
    const proxyIndex = pods.indexOf(proxy);
    assert.deepEqual(
      issues.filter((i) => i.path.startsWith(`items[${proxyIndex}].`)).map((i) => [i.code, i.path]),
      [['invalid_time', `items[${proxyIndex}].metadata.creationTimestamp`]],
    );
  });

  it('dd-agent terminated with TransientReason and exit code 0', () => {
    const agent = pods.find((p) => p.name === 'dd-agent-q6hpw');
    assert.deepEqual(agent?.containers[0]?.state.kind, 'terminated');
    assert.deepEqual(agent?.containers[0]?.lastTermination, {
      reason: 'TransientReason',
      exitCode: 0,
      startedAt: ms('2018-02-13T16:11:00Z'),
      finishedAt: ms('2018-02-13T16:12:00Z'),
    });
    assert.deepEqual(agent?.containers[0]?.resources.limits, {
      cpuCores: 0.25,
      memoryBytes: 512 * 1024 ** 2,
    });
  });

  it('resolves the ReplicaSet of demo-app to its Deployment even with a legacy hash label', () => {
    const demo = pods.find((p) => p.name === 'demo-app-success-c485bc67b-klj45');
    assert.deepEqual(demo?.workload, {
      namespace: 'default',
      kind: 'Deployment',
      name: 'demo-app-success',
    });
  });

  it('containerTerminations: one per terminated container, with stable identity', () => {
    assert.ok(fluentd);
    const terminations = containerTerminations(fluentd);
    assert.deepEqual(
      terminations.map((t) => [
        t.container,
        t.termination.reason,
        t.termination.exitCode,
        t.restartCount,
      ]),
      [
        ['init', 'Completed', 0, 0],
        ['fluentd-gcp', 'OOMKilled', 2, 0],
      ],
    );
    const oom = terminations[1];
    assert.equal(oom?.podUid, fluentd.uid);
    assert.equal(oom?.node, 'gke-haissam-default-pool-be5066f1-wnvn');
    assert.deepEqual(oom?.limits, { memoryBytes: 300 * 1024 ** 2 });
    // The same termination seen earlier, while the container was still down (state.terminated,
    // restartCount 0), must get the same id as once it is lastState after the restart.
    const before = structuredClone(fixtureItem('2edfd4d9-10ce-11e8-bd5a-42010af00137'));
    const status = before.status.containerStatuses[0];
    assert.ok(status);
    status.state = { terminated: status.lastState.terminated };
    status.lastState = {};
    status.restartCount = 0;
    const earlier = mapPod(before, { cluster });
    assert.ok(earlier.ok);
    const earlierOom = containerTerminations(earlier.value).find(
      (t) => t.container === 'fluentd-gcp',
    );
    assert.ok(earlierOom && oom);
    assert.equal(
      recordId('container_termination', earlierOom),
      recordId('container_termination', oom),
    );
    assert.deepEqual(containerTerminations(fluentd), terminations);
  });
});

interface RawStatus {
  state: Record<string, unknown>;
  lastState: { terminated?: unknown };
  restartCount: number;
}
interface RawPod {
  metadata: { uid: string };
  status: { containerStatuses: RawStatus[] };
}

function fixtureItem(uid: string): RawPod {
  const list = JSON.parse(fixture('datadog-kubelet-pods_crashed.json')) as { items: RawPod[] };
  const item = list.items.find((entry) => entry.metadata.uid === uid);
  assert.ok(item);
  return item;
}

describe('malformed and unexpected input', () => {
  it('truncated JSON is an error result before mapping', () => {
    const text = fixture('datadog-kubelet-pods_crashed.json');
    const parsed = parseJsonText(text.slice(0, text.length / 2));
    assert.equal(parsed.ok, false);
    assert.match(parsed.ok ? '' : parsed.error, /malformed JSON/);
  });

  it('a PodList without items, and items without identity, are reported', () => {
    assert.deepEqual(
      mapPodList({ kind: 'Status' }, { cluster }).issues.map((i) => i.code),
      ['malformed'],
    );
    const result = mapPodList({ items: [null, { metadata: { name: 'x' } }, 42] }, { cluster });
    assert.equal(result.rejected, 3);
    assert.deepEqual(result.pods, []);
  });

  it('unknown phase, QoS class, container state and bad quantities fall back and are reported', () => {
    const mapped = mapPod(
      {
        metadata: {
          name: 'p',
          namespace: 'n',
          uid: 'u',
          creationTimestamp: '2024-01-01T00:00:00Z',
        },
        spec: {
          containers: [
            {
              name: 'c',
              image: 'i',
              resources: {
                requests: { cpu: '1', memory: 'lots' },
                limits: { cpu: '1', memory: '1Gi' },
              },
            },
          ],
        },
        status: {
          phase: 'Hibernating',
          qosClass: 'Platinum',
          containerStatuses: [{ name: 'c', restartCount: 3, state: { paused: {} } }],
        },
      },
      { cluster },
    );
    assert.ok(mapped.ok);
    assert.equal(mapped.value.phase, 'Unknown');
    // Requests default to limits: memory request unreadable, limits equal → Guaranteed.
    assert.equal(mapped.value.qosClass, 'Guaranteed');
    assert.deepEqual(mapped.value.containers[0]?.state, { kind: 'unknown' });
    assert.deepEqual(mapped.value.containers[0]?.resources.requests, { cpuCores: 1 });
    assert.deepEqual(
      mapped.issues.map((i) => [i.code, i.path]),
      [
        ['invalid_quantity', 'spec.containers[0].resources.requests.memory'],
        ['unknown_enum', 'status.containerStatuses[0].state'],
        ['unknown_enum', 'status.qosClass'],
        ['unknown_enum', 'status.phase'],
      ],
    );
  });

  it('a termination without finishedAt is skipped and reported', () => {
    const mapped = mapPod(
      {
        metadata: {
          name: 'p',
          namespace: 'n',
          uid: 'u',
          creationTimestamp: '2024-01-01T00:00:00Z',
        },
        spec: { containers: [{ name: 'c' }] },
        status: {
          phase: 'Running',
          containerStatuses: [
            {
              name: 'c',
              restartCount: 1,
              state: { running: {} },
              lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } },
            },
          ],
        },
      },
      { cluster },
    );
    assert.ok(mapped.ok);
    assert.equal(mapped.value.containers[0]?.lastTermination, undefined);
    assert.deepEqual(
      mapped.issues.map((i) => i.code),
      ['invalid_time'],
    );
    assert.equal(mapped.value.qosClass, 'BestEffort');
  });
});

const gkeNode = {
  metadata: {
    name: 'gke-prod-pool-1-abcd',
    uid: '9d8f6c1e-0000-4000-8000-000000000001',
    creationTimestamp: '2024-03-01T10:00:00Z',
    labels: { 'cloud.google.com/gke-nodepool': 'pool-1', 'kubernetes.io/os': 'linux' },
  },
  spec: { unschedulable: true },
  status: {
    capacity: { cpu: '4', memory: '16393236Ki', pods: '110' },
    allocatable: { cpu: '3920m', memory: '13491988Ki', pods: '110' },
    nodeInfo: { kubeletVersion: 'v1.29.1-gke.1589000' },
    conditions: [
      {
        type: 'MemoryPressure',
        status: 'False',
        reason: 'KubeletHasSufficientMemory',
        lastHeartbeatTime: '2024-03-02T10:00:00Z',
        lastTransitionTime: '2024-03-01T10:01:00Z',
      },
      {
        type: 'Ready',
        status: 'True',
        reason: 'KubeletReady',
        lastTransitionTime: '2024-03-01T10:02:00Z',
      },
      { type: 'FutureCondition', status: 'Perhaps', lastTransitionTime: '2024-03-01T10:03:00Z' },
    ],
  },
};

describe('mapNode', () => {
  const mapped = mapNode(gkeNode, cluster);
  it('maps capacity, allocatable, pool, conditions and version', () => {
    assert.ok(mapped.ok);
    const node = mapped.value;
    assert.equal(node.pool, 'pool-1');
    assert.deepEqual(node.capacity, { cpuCores: 4, memoryBytes: 16393236 * 1024 });
    assert.deepEqual(node.allocatable, { cpuCores: 3.92, memoryBytes: 13491988 * 1024 });
    assert.equal(node.unschedulable, true);
    assert.equal(node.kubeletVersion, 'v1.29.1-gke.1589000');
    assert.equal(node.createdAt, ms('2024-03-01T10:00:00Z'));
    assert.deepEqual(node.conditions[0], {
      type: 'MemoryPressure',
      status: 'False',
      reason: 'KubeletHasSufficientMemory',
      lastTransitionTime: ms('2024-03-01T10:01:00Z'),
    });
    assert.ok(validateEnvelope(envelope('node', node, 'test', 1)).ok);
  });
  it('an unknown condition status becomes Unknown and is reported', () => {
    assert.ok(mapped.ok);
    assert.equal(mapped.value.conditions[2]?.status, 'Unknown');
    assert.deepEqual(
      mapped.issues.map((i) => [i.code, i.path]),
      [['unknown_enum', 'status.conditions[2].status']],
    );
  });
  it('fails without a name or uid', () => {
    assert.equal(mapNode({ metadata: { name: 'x' } }, cluster).ok, false);
    assert.equal(mapNode('not a node', cluster).ok, false);
  });

  const pools: [Record<string, string>, string | undefined][] = [
    [{ 'eks.amazonaws.com/nodegroup': 'ng-1' }, 'ng-1'],
    [{ 'karpenter.sh/nodepool': 'default' }, 'default'],
    [{ agentpool: 'nodepool1', 'kubernetes.azure.com/agentpool': 'nodepool1' }, 'nodepool1'],
    [{ 'node.kubernetes.io/pool': 'batch' }, 'batch'],
    [{ 'kubernetes.io/hostname': 'n1' }, undefined],
  ];
  for (const [labels, pool] of pools) {
    it(`pool from ${Object.keys(labels).join(', ')}`, () => assert.equal(nodePool(labels), pool));
  }
});

describe('nodeTransitions', () => {
  const base = mapNode(gkeNode, cluster);
  assert.ok(base.ok);
  const first: Node = base.value;
  const withReady = (status: 'True' | 'False' | 'Unknown', at: string, reason?: string): Node => ({
    ...first,
    conditions: first.conditions.map((c) =>
      c.type === 'Ready'
        ? { ...c, status, lastTransitionTime: ms(at), ...(reason && { reason }) }
        : c,
    ),
  });

  it('first observation: each condition from Absent', () => {
    assert.deepEqual(
      nodeTransitions(undefined, first).map((t) => [t.condition, t.from, t.to]),
      [
        ['MemoryPressure', 'Absent', 'False'],
        ['Ready', 'Absent', 'True'],
        ['FutureCondition', 'Absent', 'Unknown'],
      ],
    );
  });

  it('no change, no transition; a heartbeat alone is not a change', () => {
    assert.deepEqual(nodeTransitions(first, structuredClone(first)), []);
  });

  it('Ready → NotReady at the kubelet-reported time', () => {
    const down = withReady('False', '2024-03-02T11:00:00Z', 'KubeletNotReady');
    assert.deepEqual(nodeTransitions(first, down), [
      {
        cluster,
        node: 'gke-prod-pool-1-abcd',
        condition: 'Ready',
        from: 'True',
        to: 'False',
        at: ms('2024-03-02T11:00:00Z'),
        reason: 'KubeletNotReady',
      },
    ]);
  });

  it('a flip and back between observations is kept, with from equal to to', () => {
    const back = withReady('True', '2024-03-02T11:05:00Z');
    const transitions = nodeTransitions(first, back);
    assert.deepEqual(
      transitions.map((t) => [t.from, t.to, t.at]),
      [['True', 'True', ms('2024-03-02T11:05:00Z')]],
    );
  });

  it('an out-of-order (older) observation yields nothing', () => {
    const later = withReady('False', '2024-03-02T11:00:00Z');
    assert.deepEqual(nodeTransitions(later, first), []);
  });
});

describe('computeQosClass', () => {
  const c = (requests: object, limits: object) => ({ resources: { requests, limits } });
  const cases: [string, ReturnType<typeof c>[], string][] = [
    ['nothing set', [c({}, {})], 'BestEffort'],
    ['zero requests only', [c({ cpuCores: 0 }, {})], 'BestEffort'],
    [
      'limits only (requests default to them)',
      [c({}, { cpuCores: 1, memoryBytes: 1e9 })],
      'Guaranteed',
    ],
    [
      'equal requests and limits',
      [c({ cpuCores: 1, memoryBytes: 1e9 }, { cpuCores: 1, memoryBytes: 1e9 })],
      'Guaranteed',
    ],
    [
      'request below limit',
      [c({ cpuCores: 0.5, memoryBytes: 1e9 }, { cpuCores: 1, memoryBytes: 1e9 })],
      'Burstable',
    ],
    [
      'one container without memory limit',
      [c({}, { cpuCores: 1, memoryBytes: 1e9 }), c({}, { cpuCores: 1 })],
      'Burstable',
    ],
    ['one container BestEffort, other set', [c({}, {}), c({ cpuCores: 0.1 }, {})], 'Burstable'],
  ];
  for (const [label, containers, expected] of cases) {
    it(label, () => assert.equal(computeQosClass(containers), expected));
  }
});

describe('resolveWorkload', () => {
  const rs = (name: string) => [{ kind: 'ReplicaSet', name, controller: true }];
  const cases: [
    string,
    Parameters<typeof resolveWorkload>[0],
    Parameters<typeof resolveWorkload>[1],
    string,
    string,
  ][] = [
    [
      'RS with template hash',
      {
        namespace: 'a',
        podName: 'web-5d4f8c7b9-xk2lp',
        owners: rs('web-5d4f8c7b9'),
        podTemplateHash: '5d4f8c7b9',
      },
      {},
      'Deployment',
      'web',
    ],
    [
      'RS, legacy decimal hash',
      { namespace: 'a', podName: 'kube-dns-1326421443-hj4hx', owners: rs('kube-dns-1326421443') },
      {},
      'Deployment',
      'kube-dns',
    ],
    [
      'RS answered by lookup',
      { namespace: 'a', podName: 'x', owners: rs('my-rs') },
      {
        replicaSet: (ns, name) =>
          name === 'my-rs' ? { namespace: ns, kind: 'Rollout', name: 'canary' } : undefined,
      },
      'Rollout',
      'canary',
    ],
    [
      'bare RS',
      { namespace: 'a', podName: 'x', owners: rs('handmade') },
      {},
      'ReplicaSet',
      'handmade',
    ],
    [
      'Job of a CronJob',
      {
        namespace: 'a',
        podName: 'x',
        owners: [{ kind: 'Job', name: 'report-28901520', controller: true }],
      },
      {},
      'CronJob',
      'report',
    ],
    [
      'Job answered by lookup',
      {
        namespace: 'a',
        podName: 'x',
        owners: [{ kind: 'Job', name: 'migrate', controller: true }],
      },
      { job: () => ({ namespace: 'a', kind: 'CronJob', name: 'nightly' }) },
      'CronJob',
      'nightly',
    ],
    [
      'plain Job',
      {
        namespace: 'a',
        podName: 'x',
        owners: [{ kind: 'Job', name: 'migrate', controller: true }],
      },
      {},
      'Job',
      'migrate',
    ],
    [
      'StatefulSet',
      {
        namespace: 'a',
        podName: 'db-0',
        owners: [{ kind: 'StatefulSet', name: 'db', controller: true }],
      },
      {},
      'StatefulSet',
      'db',
    ],
    [
      'controller wins over other owners',
      {
        namespace: 'a',
        podName: 'x',
        owners: [
          { kind: 'ConfigMap', name: 'cm' },
          { kind: 'DaemonSet', name: 'ds', controller: true },
        ],
      },
      {},
      'DaemonSet',
      'ds',
    ],
    [
      'mirror pod owned by its Node',
      {
        namespace: 'kube-system',
        podName: 'etcd-n1',
        owners: [{ kind: 'Node', name: 'n1', controller: true }],
      },
      {},
      'Pod',
      'etcd-n1',
    ],
    ['no owner', { namespace: 'a', podName: 'debug', owners: [] }, {}, 'Pod', 'debug'],
  ];
  for (const [label, subject, lookups, kind, name] of cases) {
    it(label, () => {
      const ref = resolveWorkload(subject, lookups);
      assert.deepEqual([ref.kind, ref.name], [kind, name]);
    });
  }
});

describe('runtimeHintsOf', () => {
  const cases: [string, object, string[]][] = [
    ['JVM args', { args: ['-Xms512m', '-Xmx2g', '-jar', 'app.jar'] }, ['-Xms512m', '-Xmx2g']],
    [
      'shell command string',
      {
        command: [
          '/bin/sh',
          '-c',
          "exec java '-XX:MaxRAMPercentage=75.0' -XX:MaxRAM=4g -jar /app.jar",
        ],
      },
      ['-XX:MaxRAMPercentage=75.0', '-XX:MaxRAM=4g'],
    ],
    [
      'JVM env variables',
      {
        env: [
          { name: 'JAVA_TOOL_OPTIONS', value: '-XX:InitialRAMPercentage=50 -Dfile.encoding=UTF-8' },
          { name: 'JAVA_OPTS', value: '-Xmx1g' },
          { name: '_JAVA_OPTIONS', value: '-Xmx1g' },
          { name: 'JDK_JAVA_OPTIONS', valueFrom: { configMapKeyRef: { name: 'x', key: 'y' } } },
        ],
      },
      ['-XX:InitialRAMPercentage=50', '-Xmx1g'],
    ],
    ['Go', { env: [{ name: 'GOMEMLIMIT', value: '1800MiB' }] }, ['GOMEMLIMIT=1800MiB']],
    [
      'Node',
      {
        args: ['node', '--max-old-space-size=4096', 'server.js'],
        env: [{ name: 'NODE_OPTIONS', value: '--max_old_space_size=2048 --enable-source-maps' }],
      },
      ['--max-old-space-size=4096', '--max_old_space_size=2048'],
    ],
    [
      'nothing relevant',
      { args: ['--port=8080'], env: [{ name: 'FLUENTD_ARGS', value: '--no-supervisor -q' }] },
      [],
    ],
  ];
  for (const [label, container, expected] of cases) {
    it(label, () => assert.deepEqual(runtimeHintsOf(container), expected));
  }
});

describe('mapEvent', () => {
  it('core/v1 OOMKilling event', () => {
    const mapped = mapEvent(
      {
        metadata: {
          name: 'n1.17b',
          namespace: 'default',
          uid: 'ev-1',
          creationTimestamp: '2024-03-02T10:00:00Z',
        },
        involvedObject: { kind: 'Node', name: 'n1', uid: 'n1' },
        reason: 'OOMKilling',
        message: 'Memory cgroup out of memory: Killed process 4321 (java)',
        source: { component: 'kernel-monitor', host: 'n1' },
        firstTimestamp: '2024-03-02T10:00:00Z',
        lastTimestamp: '2024-03-02T10:05:00Z',
        count: 3,
        type: 'Warning',
      },
      cluster,
    );
    assert.deepEqual(mapped, {
      ok: true,
      value: {
        cluster,
        uid: 'ev-1',
        type: 'Warning',
        reason: 'OOMKilling',
        message: 'Memory cgroup out of memory: Killed process 4321 (java)',
        involvedObject: { kind: 'Node', name: 'n1', uid: 'n1' },
        count: 3,
        firstTimestamp: ms('2024-03-02T10:00:00Z'),
        lastTimestamp: ms('2024-03-02T10:05:00Z'),
        sourceComponent: 'kernel-monitor',
        sourceHost: 'n1',
      },
      issues: [],
    });
  });

  it('events.k8s.io-style event: eventTime, series, regarding, note', () => {
    const mapped = mapEvent(
      {
        metadata: { uid: 'ev-2', creationTimestamp: '2024-03-02T09:59:59Z' },
        eventTime: '2024-03-02T10:00:00.123456Z',
        series: { count: 7, lastObservedTime: '2024-03-02T10:30:00.000001Z' },
        regarding: { kind: 'Pod', namespace: 'shop', name: 'api-0', uid: 'p-1' },
        reason: 'BackOff',
        note: 'Back-off restarting failed container',
        type: 'Warning',
        reportingController: 'kubelet',
        reportingInstance: 'node-3',
        firstTimestamp: null,
        lastTimestamp: null,
      },
      cluster,
    );
    assert.ok(mapped.ok);
    assert.equal(mapped.value.count, 7);
    assert.equal(mapped.value.firstTimestamp, Date.UTC(2024, 2, 2, 10, 0, 0, 123));
    assert.equal(mapped.value.lastTimestamp, Date.UTC(2024, 2, 2, 10, 30));
    assert.deepEqual(mapped.value.involvedObject, {
      kind: 'Pod',
      namespace: 'shop',
      name: 'api-0',
      uid: 'p-1',
    });
    assert.equal(mapped.value.message, 'Back-off restarting failed container');
    assert.equal(mapped.value.sourceComponent, 'kubelet');
    assert.equal(mapped.value.sourceHost, 'node-3');
  });

  it('unknown type kept verbatim and reported; no uid or no time is an error', () => {
    const mapped = mapEvent(
      {
        metadata: { uid: 'e' },
        type: 'Critical',
        reason: 'X',
        eventTime: '2024-03-02T10:00:00Z',
        involvedObject: { kind: 'Pod', name: 'p' },
      },
      cluster,
    );
    assert.ok(mapped.ok);
    assert.equal(mapped.value.type, 'Critical');
    assert.equal(mapped.value.count, 1);
    assert.deepEqual(
      mapped.issues.map((i) => i.code),
      ['unknown_enum'],
    );
    assert.equal(mapEvent({ reason: 'X' }, cluster).ok, false);
    assert.equal(mapEvent({ metadata: { uid: 'e' } }, cluster).ok, false);
  });
});
