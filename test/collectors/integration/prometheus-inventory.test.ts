// The prometheus collector's inventory, run starts and owners, on a hand-written history of
// standard kube-state-metrics, cAdvisor and node-exporter series served by Debian's Prometheus:
// each series is read back into the records the live collectors would send, and the flapping
// analyzer judges a node from a Prometheus alone.
import assert from 'node:assert/strict';
import type { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { analyzeFlapping } from '../../../analyzers/flapping/analyzer.js';
import { flappingSettings } from '../../../analyzers/settings.js';
import { MemoryBus } from '../../../bus/memory.js';
import type { ContainerTermination, KubeEvent, Node, Pod } from '../../../core/domain.js';
import { DATA_TOPICS, type AnyEnvelope } from '../../../core/envelope.js';
import { HttpPromClient } from '../../../collectors/prometheus/client.js';
import {
  PrometheusCollector,
  prometheusDefaults,
} from '../../../collectors/prometheus/collector.js';
import { Publisher } from '../../../collectors/publisher.js';
import {
  servePrometheusFromOpenMetrics,
  type ServedPrometheus,
} from '../../../eval/prometheus/tsdb.js';
import { MemoryStore } from '../../../store/memory.js';
import { logger, quietTelemetry } from '../support.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const GI = 1024 ** 3;
const T0 = Date.UTC(2025, 0, 6);
const END = T0 + 12 * HOUR;
const STEP = MINUTE;

type Labels = Record<string, string>;

/** OpenMetrics text, family by family, each series in time order. */
class History {
  private readonly families = new Map<string, { type: string; lines: string[] }>();

  series(
    family: string,
    labels: Labels,
    from: number,
    to: number,
    value: (t: number) => number | undefined,
    { type = 'gauge', suffix = '' }: { type?: string; suffix?: string } = {},
  ): this {
    const entry = this.families.get(family) ?? { type, lines: [] };
    this.families.set(family, entry);
    const text = Object.entries(labels)
      .map(([k, v]) => `${k}="${v}"`)
      .join(',');
    for (let t = from; t < to; t += STEP) {
      const v = value(t);
      if (v !== undefined) entry.lines.push(`${family}${suffix}{${text}} ${v} ${t / 1000}`);
    }
    return this;
  }

  async write(out: Writable): Promise<void> {
    let text = '';
    for (const [name, { type, lines }] of this.families) {
      text += `# TYPE ${name} ${type}\n${lines.join('\n')}\n`;
    }
    out.write(`${text}# EOF\n`);
    return Promise.resolve();
  }
}

const ksm = { job: 'kube-state-metrics' };
const between = (t: number, a: number, b: number) => t >= a && t < b;
/** n1 flaps three times: NotReady and MemoryPressure for 5 minutes from each of these. */
const FLAPS = [T0 + 2 * HOUR, T0 + 2 * HOUR + 20 * MINUTE, T0 + 2 * HOUR + 40 * MINUTE];
const flapping = (t: number) => FLAPS.some((f) => between(t, f, f + 5 * MINUTE));
const N2_GONE = T0 + 6 * HOUR;
const EVICTED_AT = T0 + 2 * HOUR + 2 * MINUTE;
const DELETED_AT = T0 + 3 * HOUR;
const LEGACY_KILL = T0 + 7 * HOUR + 30_000;
const SIDECAR_START = T0 + 7 * HOUR;
const SIDECAR_KILL = T0 + 8 * HOUR + 50 * MINUTE;

function clusterHistory(): History {
  const h = new History();
  // Nodes: n1 for the whole window (v2 names), n2 created at T0+1h and autoscaled away at N2_GONE
  // (v1 resource names, memory from node-exporter only).
  const n1 = { node: 'n1' };
  const n2Life: [number, number] = [T0 + HOUR, N2_GONE];
  h.series('kube_node_info', { ...ksm, ...n1, kubelet_version: 'v1.29.4' }, T0, END, () => 1);
  h.series(
    'kube_node_info',
    { ...ksm, node: 'n2', kubelet_version: 'v1.29.4' },
    ...n2Life,
    () => 1,
  );
  h.series('kube_node_created', { ...ksm, ...n1 }, T0, END, () => (T0 - 10 * 24 * HOUR) / 1000);
  h.series('kube_node_created', { ...ksm, node: 'n2' }, ...n2Life, () => (T0 + HOUR) / 1000);
  h.series(
    'kube_node_labels',
    { ...ksm, ...n1, label_cloud_google_com_gke_nodepool: 'general' },
    T0,
    END,
    () => 1,
  );
  for (const family of ['kube_node_status_capacity', 'kube_node_status_allocatable']) {
    h.series(family, { ...ksm, ...n1, resource: 'memory', unit: 'byte' }, T0, END, () => 16 * GI);
    h.series(family, { ...ksm, ...n1, resource: 'cpu', unit: 'core' }, T0, END, () => 4);
  }
  h.series(
    'kube_node_status_capacity_memory_bytes',
    { ...ksm, node: 'n2' },
    ...n2Life,
    () => 8 * GI,
  );
  // v1 writes one capacity family per resource, with the same labels.
  h.series('kube_node_status_capacity_cpu_cores', { ...ksm, node: 'n2' }, ...n2Life, () => 2);
  h.series(
    'kube_node_status_allocatable_memory_bytes',
    { ...ksm, node: 'n2' },
    ...n2Life,
    () => 7 * GI,
  );
  for (const status of ['true', 'false', 'unknown']) {
    const ready = (t: number) => (flapping(t) ? 'false' : 'true');
    const pressure = (t: number) => (flapping(t) ? 'true' : 'false');
    h.series(
      'kube_node_status_condition',
      { ...ksm, ...n1, condition: 'Ready', status },
      T0,
      END,
      (t) => (ready(t) === status ? 1 : 0),
    );
    h.series(
      'kube_node_status_condition',
      { ...ksm, ...n1, condition: 'MemoryPressure', status },
      T0,
      END,
      (t) => (pressure(t) === status ? 1 : 0),
    );
    h.series(
      'kube_node_status_condition',
      { ...ksm, node: 'n2', condition: 'Ready', status },
      ...n2Life,
      () => (status === 'true' ? 1 : 0),
    );
  }
  // The kubelet's eviction signal on n1: capacity minus the root cgroup's working set.
  h.series(
    'container_memory_working_set_bytes',
    { job: 'kubelet', id: '/', node: 'n1' },
    T0,
    END,
    (t) => (flapping(t) ? 15.5 * GI : 10 * GI),
  );
  h.series(
    'node_memory_MemAvailable_bytes',
    { job: 'node-exporter', instance: '10.0.0.2:9100' },
    ...n2Life,
    () => 3 * GI,
  );
  h.series(
    'node_uname_info',
    { job: 'node-exporter', instance: '10.0.0.2:9100', nodename: 'n2' },
    ...n2Life,
    () => 1,
  );

  // Pods in "shop". Owners: a ReplicaSet off the naming convention owned by a Deployment, one
  // owned by an Argo Rollout, a Job of a CronJob off the convention.
  const pod = (name: string, uid: string, node: string) => ({
    namespace: 'shop',
    pod: name,
    uid,
    node,
  });
  const web = pod('web-legacy-x1', 'u-web', 'n1');
  const canary = pod('checkout-5c7b9d-q2', 'u-canary', 'n1');
  const report = pod('nightly-report-manual-x9', 'u-report', 'n1');
  const batch = pod('scratch', 'u-scratch', 'n1');
  const gone = pod('old-worker', 'u-gone', 'n2');
  const alive = (p: { uid: string }): [number, number] =>
    p.uid === 'u-gone' ? [T0, DELETED_AT] : [T0, END];
  for (const p of [web, canary, report, batch, gone]) {
    h.series('kube_pod_info', { ...ksm, ...p }, ...alive(p), () => 1);
    h.series('kube_pod_created', { ...ksm, ...p }, ...alive(p), () => (T0 - 24 * HOUR) / 1000);
  }
  const owner = (p: Labels, kind: string, name: string) =>
    h.series(
      'kube_pod_owner',
      {
        ...ksm,
        namespace: p.namespace!,
        pod: p.pod!,
        uid: p.uid!,
        owner_kind: kind,
        owner_name: name,
        owner_is_controller: 'true',
      },
      T0,
      END,
      () => 1,
    );
  owner(web, 'ReplicaSet', 'web-legacy');
  owner(canary, 'ReplicaSet', 'checkout-5c7b9d');
  owner(report, 'Job', 'nightly-report-manual');
  owner(batch, '<none>', '<none>');
  owner(gone, 'ReplicaSet', 'old-worker-7f8c9');
  h.series(
    'kube_replicaset_owner',
    {
      ...ksm,
      namespace: 'shop',
      replicaset: 'web-legacy',
      owner_kind: 'Deployment',
      owner_name: 'web',
      owner_is_controller: 'true',
    },
    T0,
    END,
    () => 1,
  );
  h.series(
    'kube_replicaset_owner',
    {
      ...ksm,
      namespace: 'shop',
      replicaset: 'checkout-5c7b9d',
      owner_kind: 'Rollout',
      owner_name: 'checkout',
      owner_is_controller: 'true',
    },
    T0,
    END,
    () => 1,
  );
  h.series(
    'kube_job_owner',
    {
      ...ksm,
      namespace: 'shop',
      job_name: 'nightly-report-manual',
      owner_kind: 'CronJob',
      owner_name: 'nightly-report',
      owner_is_controller: 'true',
    },
    T0,
    END,
    () => 1,
  );
  for (const p of [web, canary, report, gone]) {
    h.series(
      'kube_pod_status_qos_class',
      { ...ksm, namespace: 'shop', pod: p.pod, uid: p.uid, qos_class: 'Burstable' },
      ...alive(p),
      () => 1,
    );
    const c = { ...ksm, namespace: 'shop', pod: p.pod, uid: p.uid, container: 'app', node: p.node };
    h.series(
      'kube_pod_container_resource_requests',
      { ...c, resource: 'memory', unit: 'byte' },
      ...alive(p),
      () => GI,
    );
    h.series(
      'kube_pod_container_resource_limits',
      { ...c, resource: 'memory', unit: 'byte' },
      ...alive(p),
      () => 2 * GI,
    );
  }
  const scratch = { namespace: 'shop', pod: batch.pod, uid: batch.uid };
  h.series(
    'kube_pod_status_qos_class',
    { ...ksm, ...scratch, qos_class: 'BestEffort' },
    T0,
    END,
    () => 1,
  );
  h.series('kube_pod_status_reason', { ...ksm, ...scratch, reason: 'Evicted' }, T0, END, (t) =>
    t >= EVICTED_AT ? 1 : 0,
  );
  for (const phase of ['Running', 'Failed']) {
    h.series('kube_pod_status_phase', { ...ksm, ...scratch, phase }, T0, END, (t) =>
      (t >= EVICTED_AT ? 'Failed' : 'Running') === phase ? 1 : 0,
    );
  }

  // Terminations: web's run start from kube-state-metrics, canary's from cAdvisor, the report's
  // second run from the first run's finish.
  const kills: { p: Labels; at: number[] }[] = [
    { p: web, at: [T0 + 4 * HOUR] },
    { p: canary, at: [T0 + 5 * HOUR] },
    { p: report, at: [T0 + 6 * HOUR, T0 + 8 * HOUR] },
  ];
  for (const { p, at } of kills) {
    const base = { ...ksm, namespace: 'shop', pod: p.pod!, uid: p.uid!, container: 'app' };
    const done = (t: number) => at.filter((k) => k <= t);
    h.series('kube_pod_container_status_restarts', base, T0, END, (t) => done(t).length, {
      type: 'counter',
      suffix: '_total',
    });
    h.series('kube_pod_container_status_last_terminated_timestamp', base, at[0]!, END, (t) =>
      Math.floor((done(t).at(-1) ?? 0) / 1000),
    );
    h.series(
      'kube_pod_container_status_last_terminated_reason',
      { ...base, reason: 'OOMKilled' },
      at[0]!,
      END,
      () => 1,
    );
    h.series('kube_pod_container_status_last_terminated_exitcode', base, at[0]!, END, () => 137);
  }
  const webRun = { ...ksm, namespace: 'shop', pod: web.pod, uid: web.uid, container: 'app' };
  h.series('kube_pod_container_state_started', webRun, T0, END, (t) =>
    t < T0 + 4 * HOUR ? (T0 - 2 * HOUR) / 1000 : (T0 + 4 * HOUR + 10_000) / 1000,
  );
  const cadvisor = {
    job: 'kubelet',
    namespace: 'shop',
    pod: canary.pod,
    container: 'app',
    node: 'n1',
  };
  h.series(
    'container_start_time_seconds',
    { ...cadvisor, id: '/kubepods/pod-canary/c1' },
    T0,
    T0 + 5 * HOUR,
    () => (T0 + HOUR) / 1000,
  );
  h.series(
    'container_start_time_seconds',
    { ...cadvisor, id: '/kubepods/pod-canary/c2' },
    T0 + 5 * HOUR,
    END,
    () => (T0 + 5 * HOUR + 5_000) / 1000,
  );
  // An exporter without last-terminated timestamps: the kill is seen only as the restart counter
  // stepping up, a step after it happened; the next run's start bounds it from above.
  const legacy = pod('legacy-exporter-x1', 'u-legacy', 'n1');
  const sidecar = pod('sidecar-y1', 'u-sidecar', 'n1');
  const legacyRun = {
    ...ksm,
    namespace: 'shop',
    pod: legacy.pod,
    uid: legacy.uid,
    container: 'app',
  };
  for (const p of [legacy, sidecar]) {
    h.series('kube_pod_info', { ...ksm, ...p }, T0, END, () => 1);
    h.series(
      'kube_pod_status_qos_class',
      { ...ksm, namespace: 'shop', pod: p.pod, uid: p.uid, qos_class: 'Burstable' },
      T0,
      END,
      () => 1,
    );
  }
  h.series(
    'kube_pod_container_status_restarts',
    legacyRun,
    T0,
    END,
    (t) => (t > LEGACY_KILL ? 1 : 0),
    {
      type: 'counter',
      suffix: '_total',
    },
  );
  h.series(
    'kube_pod_container_status_last_terminated_reason',
    { ...legacyRun, reason: 'OOMKilled' },
    LEGACY_KILL + MINUTE,
    END,
    () => 1,
  );
  h.series('kube_pod_container_state_started', legacyRun, T0, END, (t) =>
    t <= LEGACY_KILL ? (T0 + 2 * HOUR) / 1000 : (LEGACY_KILL + 20_000) / 1000,
  );
  // No start time anywhere: the run's start is its first cAdvisor sample.
  const sidecarRun = {
    ...ksm,
    namespace: 'shop',
    pod: sidecar.pod,
    uid: sidecar.uid,
    container: 'app',
  };
  h.series(
    'kube_pod_container_status_restarts',
    sidecarRun,
    T0,
    END,
    (t) => (t >= SIDECAR_KILL ? 1 : 0),
    {
      type: 'counter',
      suffix: '_total',
    },
  );
  h.series(
    'kube_pod_container_status_last_terminated_timestamp',
    sidecarRun,
    SIDECAR_KILL,
    END,
    () => SIDECAR_KILL / 1000,
  );
  h.series(
    'kube_pod_container_status_last_terminated_reason',
    { ...sidecarRun, reason: 'OOMKilled' },
    SIDECAR_KILL,
    END,
    () => 1,
  );
  const sidecarCadvisor = {
    job: 'kubelet',
    namespace: 'shop',
    pod: sidecar.pod,
    container: 'app',
    node: 'n1',
  };
  h.series(
    'container_memory_working_set_bytes',
    { ...sidecarCadvisor, id: '/kubepods/pod-sidecar/s1' },
    SIDECAR_START,
    SIDECAR_KILL,
    () => 0.5 * GI,
  );
  h.series(
    'container_memory_working_set_bytes',
    { ...sidecarCadvisor, id: '/kubepods/pod-sidecar/s2' },
    SIDECAR_KILL + MINUTE,
    END,
    () => 0.2 * GI,
  );
  // Each run's working set is its own series: the first run dies near its limit, the second starts
  // low. No staleness marker ends the first, so it stays visible for the 5-minute look-back.
  h.series(
    'container_memory_working_set_bytes',
    { ...cadvisor, id: '/kubepods/pod-canary/c1' },
    T0,
    T0 + 5 * HOUR,
    () => 1.9 * GI,
  );
  h.series(
    'container_memory_working_set_bytes',
    { ...cadvisor, id: '/kubepods/pod-canary/c2' },
    T0 + 5 * HOUR,
    END,
    () => 0.25 * GI,
  );
  return h;
}

async function backfill(url: string): Promise<AnyEnvelope[]> {
  const telemetry = quietTelemetry();
  const bus = new MemoryBus({ telemetry });
  const records: AnyEnvelope[] = [];
  await bus.start();
  await bus.subscribe({
    group: 'test',
    topics: DATA_TOPICS,
    handler: (messages) => {
      for (const m of messages) records.push(JSON.parse(m.value.toString('utf8')) as AnyEnvelope);
      return Promise.resolve();
    },
  });
  const publisher = new Publisher(bus, { telemetry, logger });
  await publisher.start();
  const collector = new PrometheusCollector(
    new HttpPromClient(url),
    // 3-hour chunks: objects, kills and evictions cross chunk boundaries.
    {
      ...prometheusDefaults,
      backfillDays: 0.5,
      stepMs: STEP,
      chunkMs: 3 * HOUR,
      follow: false,
      lagMs: 0,
    },
    { publisher, telemetry, logger, cluster: 'prom' },
    () => END,
  );
  try {
    await collector.start();
    await collector.whenBackfilled();
  } finally {
    await collector.stop();
    await publisher.flush();
    await publisher.stop();
    await bus.stop();
  }
  return records;
}

describe(
  'prometheus collector: inventory, run starts and owners from a real Prometheus',
  { timeout: 240_000 },
  () => {
    let prometheus: ServedPrometheus | undefined;
    let records: AnyEnvelope[] = [];
    const store = new MemoryStore();

    before(async () => {
      const history = clusterHistory();
      prometheus = await servePrometheusFromOpenMetrics({ write: (out) => history.write(out) });
      records = await backfill(prometheus.url);
      await store.write(records);
    });
    after(async () => {
      await prometheus?.stop();
    });

    const of = <K extends AnyEnvelope['kind']>(kind: K) =>
      records.filter((r) => r.kind === kind).map((r) => r.payload) as Extract<
        AnyEnvelope,
        { kind: K }
      >['payload'][];
    const pod = async (name: string, at = END - HOUR): Promise<Pod | undefined> =>
      (await store.pods({ cluster: 'prom', at })).find((p) => p.name === name);
    const node = async (name: string, at: number): Promise<Node | undefined> =>
      (await store.nodes({ cluster: 'prom', at })).find((n) => n.name === name);

    it('emits nodes with capacity, allocatable, pool, conditions and creation time (v2 names)', async () => {
      const n1 = await node('n1', T0 + 3 * HOUR);
      assert.ok(n1, 'n1 is in the inventory');
      assert.equal(n1.capacity.memoryBytes, 16 * GI);
      assert.equal(n1.allocatable.memoryBytes, 16 * GI);
      assert.equal(n1.capacity.cpuCores, 4);
      assert.equal(n1.pool, 'general');
      assert.equal(n1.kubeletVersion, 'v1.29.4');
      assert.equal(n1.createdAt, T0 - 10 * 24 * HOUR);
      assert.equal(n1.conditions.find((c) => c.type === 'Ready')?.status, 'True');
      // Unchanged nodes are not re-sent every chunk.
      assert.ok(of('node').filter((n) => n.name === 'n1').length <= 2, 'n1 sent at most twice');
    });

    it('reads v1 capacity names and marks a node that left as deleted when its series ended', async () => {
      const n2 = await node('n2', T0 + 3 * HOUR);
      assert.equal(n2?.capacity.memoryBytes, 8 * GI);
      assert.equal(n2?.capacity.cpuCores, 2);
      assert.equal(n2?.allocatable.memoryBytes, 7 * GI);
      assert.equal(await node('n2', N2_GONE + 30 * MINUTE), undefined, 'n2 is gone after it left');
      const last = of('node')
        .filter((n) => n.name === 'n2')
        .at(-1);
      assert.ok(last?.deletedAt !== undefined && Math.abs(last.deletedAt - N2_GONE) <= 2 * STEP);
    });

    it('gives one record id per node, the id the kubernetes collector gives the same node', () => {
      const ids = new Set(records.filter((r) => r.kind === 'node').map((r) => r.id));
      assert.equal(ids.size, 2);
    });

    it('emits pods with owners from kube_replicaset_owner and kube_job_owner, real kinds kept', async () => {
      assert.deepEqual((await pod('web-legacy-x1'))?.workload, {
        namespace: 'shop',
        kind: 'Deployment',
        name: 'web',
      });
      assert.deepEqual((await pod('checkout-5c7b9d-q2'))?.workload, {
        namespace: 'shop',
        kind: 'Rollout',
        name: 'checkout',
      });
      assert.deepEqual((await pod('nightly-report-manual-x9'))?.workload, {
        namespace: 'shop',
        kind: 'CronJob',
        name: 'nightly-report',
      });
      assert.deepEqual((await pod('scratch'))?.workload, {
        namespace: 'shop',
        kind: 'Pod',
        name: 'scratch',
      });
    });

    it('emits requests, limits, QoS, phase and node of each pod', async () => {
      const web = await pod('web-legacy-x1');
      assert.equal(web?.uid, 'u-web');
      assert.equal(web?.nodeName, 'n1');
      assert.equal(web?.qosClass, 'Burstable');
      assert.deepEqual(web?.containers.find((c) => c.name === 'app')?.resources, {
        requests: { memoryBytes: GI },
        limits: { memoryBytes: 2 * GI },
      });
      assert.equal((await pod('scratch', T0 + HOUR))?.qosClass, 'BestEffort');
      assert.equal((await pod('scratch'))?.phase, 'Failed');
    });

    it('marks a pod deleted when its series end, so it is absent afterwards', async () => {
      assert.ok(await pod('old-worker', DELETED_AT - 30 * MINUTE), 'present before');
      assert.equal(await pod('old-worker', DELETED_AT + 30 * MINUTE), undefined, 'absent after');
    });

    it('turns kube_pod_status_reason="Evicted" into one Evicted event from the node, at its time', () => {
      const evictions = of('kube_event').filter((e: KubeEvent) => e.reason === 'Evicted');
      assert.equal(evictions.length, 1);
      assert.equal(evictions[0]?.sourceHost, 'n1');
      assert.equal(evictions[0]?.involvedObject.uid, 'u-scratch');
      const [eviction] = evictions;
      assert.ok(eviction && Math.abs(eviction.lastTimestamp - EVICTED_AT) <= STEP);
    });

    it('derives node memory available from the root cgroup, or node-exporter joined by nodename', async () => {
      const window = { from: T0, to: END };
      const n1 = await store.usageSeries({
        cluster: 'prom',
        metric: 'node_memory_available_bytes',
        subject: { type: 'node', node: 'n1' },
        window,
        stepMs: HOUR,
      });
      assert.equal(Math.min(...n1.map((p) => p.min)), 0.5 * GI);
      assert.equal(Math.max(...n1.map((p) => p.max)), 6 * GI);
      const n2 = await store.usageSeries({
        cluster: 'prom',
        metric: 'node_memory_available_bytes',
        subject: { type: 'node', node: 'n2' },
        window,
        stepMs: HOUR,
      });
      assert.ok(n2.length > 0 && n2.every((p) => p.min === 3 * GI));
    });

    it('gives each kill its run start and says where it came from', () => {
      const kills: ContainerTermination[] = of('container_termination');
      const byPod = (name: string) =>
        kills
          .filter((k) => k.pod === name)
          .sort((a, b) => a.termination.finishedAt - b.termination.finishedAt);
      const [web] = byPod('web-legacy-x1');
      assert.equal(web?.termination.startedAt, T0 - 2 * HOUR);
      assert.equal(web?.termination.startedAtSource, 'kube_state_metrics');
      const [canary] = byPod('checkout-5c7b9d-q2');
      assert.equal(canary?.termination.startedAt, T0 + HOUR);
      assert.equal(canary?.termination.startedAtSource, 'cadvisor');
      const report = byPod('nightly-report-manual-x9');
      assert.equal(report.length, 2);
      assert.equal(
        report[0]?.termination.startedAt,
        undefined,
        'nothing tells when the first run began',
      );
      assert.equal(report[1]?.termination.startedAt, T0 + 6 * HOUR);
      assert.equal(report[1]?.termination.startedAtSource, 'previous_termination');
      // Only the restart counter: the kill is after the step that still showed the old count and
      // no later than the next run's start, and the run that ended began at the older start.
      const [legacyKill] = byPod('legacy-exporter-x1');
      assert.equal(legacyKill?.termination.finishedAt, LEGACY_KILL + 20_000);
      assert.equal(legacyKill?.termination.startedAt, T0 + 2 * HOUR);
      assert.equal(legacyKill?.termination.startedAtSource, 'kube_state_metrics');
      const [sidecarKill] = byPod('sidecar-y1');
      assert.equal(sidecarKill?.termination.startedAt, SIDECAR_START);
      assert.equal(sidecarKill?.termination.startedAtSource, 'first_sample');
    });

    it("reads a container's working set from its newest run only, not a killed run still in the look-back", () => {
      const canary = of('usage_sample').filter(
        (u) => u.pod === 'checkout-5c7b9d-q2' && u.metric === 'memory_working_set_bytes',
      );
      const at = (from: number, to: number) =>
        canary.filter((u) => u.timestamp >= from && u.timestamp < to).map((u) => u.value);
      const before = at(T0 + 4 * HOUR, T0 + 5 * HOUR);
      const after = at(T0 + 5 * HOUR, T0 + 5 * HOUR + 10 * MINUTE);
      assert.ok(before.length > 0 && before.every((v) => v === 1.9 * GI));
      assert.ok(after.length >= 9, `samples of the new run: ${after.length}`);
      assert.deepEqual(new Set(after), new Set([0.25 * GI]), 'the new run starts low');
    });

    it('lets the flapping analyzer judge the node from Prometheus data alone', async () => {
      const findings = await analyzeFlapping(
        { cluster: 'prom', window: { from: T0, to: T0 + 3 * HOUR }, now: T0 + 3 * HOUR, store },
        flappingSettings(),
      );
      const finding = findings.find((f) => f.subject.type === 'node' && f.subject.node === 'n1');
      assert.ok(finding, 'n1 is reported as flapping');
      assert.equal(finding.category, 'memory_pressure');
      assert.equal(finding.evidence.evictions, 1);
      assert.equal(finding.evidence.allocatableBytes, 16 * GI);
      assert.equal(finding.evidence.capacityBytes, 16 * GI);
      // The BestEffort pod was evicted at the first flap: no longer running, no longer a cause.
      assert.deepEqual(finding.evidence.bestEffortPods, []);
      assert.equal(finding.evidence.minAvailableBytes, 0.5 * GI);
      assert.ok(
        Math.abs(finding.window.from - FLAPS[0]!) <= STEP,
        'the episode starts at the first flap',
      );
      assert.match(finding.recommendation, /reserve/i);
    });
  },
);
