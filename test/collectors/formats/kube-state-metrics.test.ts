import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildKsmSnapshot,
  ksmPodKey,
  type KsmSnapshot,
} from '../../../collectors/formats/kube-state-metrics.js';
import { parsePrometheusText } from '../../../collectors/formats/prometheus-text.js';
import { fixture } from './fixtures.js';

function snapshotOf(text: string): KsmSnapshot {
  const parsed = parsePrometheusText(text);
  assert.equal(parsed.errorCount, 0, JSON.stringify(parsed.errors));
  return buildKsmSnapshot(parsed.samples);
}

describe('KSM v1 capture', () => {
  const snapshot = snapshotOf(fixture('datadog-kube-state-metrics.txt'));
  const pod = (ns: string, name: string) => snapshot.pods.get(ksmPodKey(ns, name));

  it('the OOMKilled terminated reason lands on ns2/pod2 container2', () => {
    const container = pod('ns2', 'pod2')?.containers.get('container2');
    assert.equal(container?.terminatedReason, 'OOMKilled');
    // Reasons exported with value 0 are not the container's.
    const others = [...snapshot.pods.values()].flatMap((p) =>
      [...p.containers.values()].filter((c) => c.terminatedReason !== undefined),
    );
    assert.equal(others.length, 1);
  });

  it('v1 request and limit families, per container', () => {
    const dns = pod('kube-system', 'kube-dns-1326421443-hj4hx');
    assert.deepEqual(dns?.containers.get('kubedns')?.requests, {
      cpuCores: 0.1,
      memoryBytes: 73400320,
    });
    assert.deepEqual(dns?.containers.get('kubedns')?.limits, { memoryBytes: 178257920 });
    assert.deepEqual(pod('ns1', 'pod1')?.containers.get('pod1_con1')?.limits, { cpuCores: 0.2 });
  });

  it('restarts, waiting reasons, state, image and node', () => {
    const dns = pod('kube-system', 'kube-dns-1326421443-hj4hx');
    const kubedns = dns?.containers.get('kubedns');
    assert.equal(kubedns?.restarts, 9);
    assert.equal(kubedns?.state, 'running');
    assert.equal(kubedns?.image, 'gcr.io/google_containers/k8s-dns-kube-dns-amd64:1.14.5');
    assert.equal(
      kubedns?.containerId,
      'docker://48533b71e82a90034fe79b68cabead3b0272ea8b28bb835dcd190757d76e936e',
    );
    assert.equal(dns?.node, 'minikube');
    assert.equal(
      pod('default', 'hello-1509998460-tzh8k')?.containers.get('hello')?.waitingReason,
      'CrashLoopBackOff',
    );
    assert.equal(
      pod('default', 'failingtest-f585bbd4-2fsml')?.containers.get('nginxbleww')?.waitingReason,
      'ErrImagePull',
    );
    assert.equal(pod('default', 'nxf-126')?.phase, 'Failed');
  });

  it('owners resolve to workloads: Deployment, CronJob, DaemonSet, RC, bare pod', () => {
    const cases: [string, string, string, string][] = [
      ['kube-system', 'kube-dns-1326421443-hj4hx', 'Deployment', 'kube-dns'],
      [
        'default',
        'jaundiced-numbat-kube-state-metrics-b7fbc487d-4phhj',
        'Deployment',
        'jaundiced-numbat-kube-state-metrics',
      ],
      ['default', 'hello-1509998340-k4f8q', 'CronJob', 'hello'],
      ['default', 'jaundiced-numbat-dd-k8state-b6s77', 'DaemonSet', 'jaundiced-numbat-dd-k8state'],
      [
        'kube-system',
        'kubernetes-dashboard-zhtjl',
        'ReplicationController',
        'kubernetes-dashboard',
      ],
      ['default', 'nxf-126', 'Pod', 'nxf-126'],
    ];
    for (const [ns, name, kind, workload] of cases) {
      assert.deepEqual(pod(ns, name)?.workload, { namespace: ns, kind, name: workload }, name);
    }
  });

  it('node allocatable, capacity, conditions and info', () => {
    const node = snapshot.nodes.get('minikube');
    assert.deepEqual(node?.allocatable, { cpuCores: 2, memoryBytes: 1992372224 });
    assert.deepEqual(node?.capacity, { cpuCores: 2, memoryBytes: 2097229824 });
    assert.deepEqual(Object.fromEntries(node?.conditions ?? []), {
      DiskPressure: 'False',
      MemoryPressure: 'False',
      OutOfDisk: 'False',
      Ready: 'True',
    });
    assert.equal(node?.kubeletVersion, 'v1.8.0');
    assert.equal(node?.unschedulable, false);
    assert.equal(node?.createdAtMs, 1508406442000);
    assert.equal(node?.labels.kubernetes_io_hostname, 'minikube');
    assert.equal(node?.pool, undefined);
    assert.deepEqual(snapshot.issues, []);
  });
});

const v2 = `
# TYPE kube_pod_info gauge
kube_pod_info{namespace="shop",pod="api-7c9d6b8f5-abcde",uid="11111111-2222-3333-4444-555555555555",host_ip="10.0.0.1",pod_ip="10.1.0.1",node="gke-prod-pool-1-abcd",created_by_kind="ReplicaSet",created_by_name="api-7c9d6b8f5",priority_class="",host_network="false"} 1
kube_pod_owner{namespace="shop",pod="api-7c9d6b8f5-abcde",uid="11111111-2222-3333-4444-555555555555",owner_kind="ReplicaSet",owner_name="api-7c9d6b8f5",owner_is_controller="true"} 1
kube_pod_labels{namespace="shop",pod="api-7c9d6b8f5-abcde",uid="11111111-2222-3333-4444-555555555555",label_app="api",label_pod_template_hash="7c9d6b8f5"} 1
kube_pod_status_phase{namespace="shop",pod="api-7c9d6b8f5-abcde",uid="11111111-2222-3333-4444-555555555555",phase="Running"} 1
kube_pod_status_phase{namespace="shop",pod="api-7c9d6b8f5-abcde",uid="11111111-2222-3333-4444-555555555555",phase="Pending"} 0
kube_pod_status_qos_class{namespace="shop",pod="api-7c9d6b8f5-abcde",uid="11111111-2222-3333-4444-555555555555",qos_class="Burstable"} 1
kube_pod_created{namespace="shop",pod="api-7c9d6b8f5-abcde",uid="11111111-2222-3333-4444-555555555555"} 1.7e+09
kube_pod_container_resource_requests{namespace="shop",pod="api-7c9d6b8f5-abcde",uid="11111111-2222-3333-4444-555555555555",container="api",node="gke-prod-pool-1-abcd",resource="memory",unit="byte"} 5.36870912e+08
kube_pod_container_resource_requests{namespace="shop",pod="api-7c9d6b8f5-abcde",uid="11111111-2222-3333-4444-555555555555",container="api",node="gke-prod-pool-1-abcd",resource="cpu",unit="core"} 0.25
kube_pod_container_resource_requests{namespace="shop",pod="api-7c9d6b8f5-abcde",uid="11111111-2222-3333-4444-555555555555",container="api",node="gke-prod-pool-1-abcd",resource="ephemeral_storage",unit="byte"} 1e+09
kube_pod_container_resource_limits{namespace="shop",pod="api-7c9d6b8f5-abcde",uid="11111111-2222-3333-4444-555555555555",container="api",node="gke-prod-pool-1-abcd",resource="memory",unit="byte"} 1.073741824e+09
kube_pod_container_status_restarts_total{namespace="shop",pod="api-7c9d6b8f5-abcde",uid="11111111-2222-3333-4444-555555555555",container="api"} 4
kube_pod_container_status_last_terminated_reason{namespace="shop",pod="api-7c9d6b8f5-abcde",uid="11111111-2222-3333-4444-555555555555",container="api",reason="OOMKilled"} 1
kube_pod_container_status_last_terminated_exitcode{namespace="shop",pod="api-7c9d6b8f5-abcde",uid="11111111-2222-3333-4444-555555555555",container="api"} 137
kube_pod_container_status_last_terminated_timestamp{namespace="shop",pod="api-7c9d6b8f5-abcde",uid="11111111-2222-3333-4444-555555555555",container="api"} 1.7000012e+09
kube_pod_init_container_status_terminated_reason{namespace="shop",pod="api-7c9d6b8f5-abcde",uid="11111111-2222-3333-4444-555555555555",container="migrate",reason="Completed"} 1
kube_pod_init_container_resource_requests{namespace="shop",pod="api-7c9d6b8f5-abcde",uid="11111111-2222-3333-4444-555555555555",container="migrate",resource="cpu",unit="core"} 0.1
kube_pod_status_phase{namespace="shop",pod="future-pod",uid="x",phase="Hibernating"} 1
kube_pod_container_status_restarts_total{namespace="shop",container="orphan"} 1
kube_node_status_allocatable{node="gke-prod-pool-1-abcd",resource="cpu",unit="core"} 3.92
kube_node_status_allocatable{node="gke-prod-pool-1-abcd",resource="memory",unit="byte"} 1.3815795712e+10
kube_node_status_allocatable{node="gke-prod-pool-1-abcd",resource="pods",unit="integer"} 110
kube_node_status_capacity{node="gke-prod-pool-1-abcd",resource="memory",unit="byte"} 1.6786673664e+10
kube_node_status_condition{node="gke-prod-pool-1-abcd",condition="MemoryPressure",status="true"} 1
kube_node_status_condition{node="gke-prod-pool-1-abcd",condition="MemoryPressure",status="false"} 0
kube_node_status_condition{node="gke-prod-pool-1-abcd",condition="Ready",status="maybe"} 1
kube_node_labels{node="gke-prod-pool-1-abcd",label_cloud_google_com_gke_nodepool="pool-1"} 1
kube_node_spec_unschedulable{node="gke-prod-pool-1-abcd"} 1
kube_node_info{kubelet_version="v1.29.1"} 1
`;

describe('KSM v2 names', () => {
  const snapshot = snapshotOf(v2);
  const api = snapshot.pods.get('shop/api-7c9d6b8f5-abcde');

  it('reads resource/unit-labelled requests and limits, ignoring other resources', () => {
    const container = api?.containers.get('api');
    assert.deepEqual(container?.requests, { cpuCores: 0.25, memoryBytes: 536870912 });
    assert.deepEqual(container?.limits, { memoryBytes: 1073741824 });
    assert.equal(container?.init, false);
  });

  it('reads the last termination: reason, exit code and time', () => {
    const container = api?.containers.get('api');
    assert.equal(container?.lastTerminatedReason, 'OOMKilled');
    assert.equal(container?.lastTerminatedExitCode, 137);
    assert.equal(container?.lastTerminatedAtMs, 1700001200000);
    assert.equal(container?.restarts, 4);
  });

  it('keeps init containers apart', () => {
    const migrate = api?.containers.get('migrate');
    assert.equal(migrate?.init, true);
    assert.equal(migrate?.terminatedReason, 'Completed');
    assert.deepEqual(migrate?.requests, { cpuCores: 0.1 });
  });

  it('pod identity, workload through the template hash, QoS and creation time', () => {
    assert.equal(api?.uid, '11111111-2222-3333-4444-555555555555');
    assert.deepEqual(api?.workload, { namespace: 'shop', kind: 'Deployment', name: 'api' });
    assert.equal(api?.qosClass, 'Burstable');
    assert.equal(api?.phase, 'Running');
    assert.equal(api?.createdAtMs, 1.7e12);
    assert.equal(api?.labels.app, 'api');
  });

  it('node: v2 allocatable/capacity, pool from the sanitised label, unschedulable', () => {
    const node = snapshot.nodes.get('gke-prod-pool-1-abcd');
    assert.deepEqual(node?.allocatable, { cpuCores: 3.92, memoryBytes: 13815795712 });
    assert.deepEqual(node?.capacity, { memoryBytes: 16786673664 });
    assert.equal(node?.pool, 'pool-1');
    assert.equal(node?.unschedulable, true);
    assert.equal(node?.conditions.get('MemoryPressure'), 'True');
  });

  it('unknown enum values fall back and are reported; unidentifiable series are counted', () => {
    assert.equal(snapshot.pods.get('shop/future-pod')?.phase, 'Unknown');
    assert.equal(snapshot.nodes.get('gke-prod-pool-1-abcd')?.conditions.get('Ready'), 'Unknown');
    assert.deepEqual(
      snapshot.issues.map((i) => [i.code, i.path]),
      [
        ['unknown_enum', 'kube_pod_status_phase'],
        ['unknown_enum', 'kube_node_status_condition'],
      ],
    );
    // The restart series without a pod label and kube_node_info without a node label.
    assert.equal(snapshot.skipped, 2);
  });
});
