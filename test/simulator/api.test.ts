// The simulated API through real clients: kubectl (discovery, tables, JSON, watch, logs) and
// @kubernetes/client-node informers, including recovery from 410 Gone.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { startSimulator, type RunningSimulator } from '../../simulator/index.js';

const run = promisify(execFile);
const START = Date.UTC(2025, 0, 6);

async function kubectl(sim: RunningSimulator, ...args: string[]): Promise<string> {
  const { stdout } = await run('kubectl', ['--server', sim.url, ...args], {
    maxBuffer: 64 << 20,
    timeout: 30_000,
  });
  return stdout;
}

function client(sim: RunningSimulator): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'sim', server: sim.url, skipTLSVerify: true }],
    users: [{ name: 'sim' }],
    contexts: [{ name: 'sim', cluster: 'sim', user: 'sim' }],
    currentContext: 'sim',
  });
  return kc;
}

describe('simulated Kubernetes API', () => {
  let sim: RunningSimulator;
  before(async () => {
    sim = await startSimulator({
      scenario: 'oom-loops',
      seed: 7,
      start: START,
      speed: 60,
      tickMs: 200,
      bookmarkMs: 500,
    });
  });
  after(async () => {
    await sim.close();
  });

  it('kubectl get nodes prints every node as Ready', async () => {
    const out = await kubectl(sim, 'get', 'nodes');
    const lines = out.trim().split('\n');
    assert.match(lines[0] ?? '', /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION/);
    assert.equal(lines.length - 1, sim.simulation.model.nodes.length);
    for (const node of sim.simulation.model.nodes)
      assert.match(out, new RegExp(`${node.name}\\s+Ready`));
  });

  it('kubectl get pods -A -o json returns realistic pods, the JVM one crash-looping on OOMKilled', async () => {
    const list = JSON.parse(await kubectl(sim, 'get', 'pods', '-A', '-o', 'json')) as {
      items: k8s.V1Pod[];
    };
    assert.ok(list.items.length >= sim.simulation.model.slots.length);
    const jvm = list.items.find((p) => p.metadata?.name?.startsWith('pricing-engine-'));
    assert.ok(jvm, 'pricing-engine pod listed');
    const status = jvm.status?.containerStatuses?.[0];
    assert.equal(status?.lastState?.terminated?.reason, 'OOMKilled');
    assert.ok((status?.restartCount ?? 0) > 10);
    assert.equal(jvm.metadata?.ownerReferences?.[0]?.kind, 'ReplicaSet');
    assert.equal(jvm.metadata?.ownerReferences?.[0]?.controller, true);
    assert.equal(jvm.spec?.containers[0]?.resources?.limits?.memory, '1536Mi');
    assert.ok(jvm.spec?.containers[0]?.args?.includes('-Xmx2g'));
    assert.equal(jvm.status?.qosClass, 'Burstable');
  });

  it('kubectl get events -A lists OOMKilling and BackOff with counts', async () => {
    const out = await kubectl(sim, 'get', 'events', '-A');
    assert.match(out, /OOMKilling/);
    assert.match(out, /BackOff/);
    const json = JSON.parse(await kubectl(sim, 'get', 'events', '-A', '-o', 'json')) as {
      items: k8s.CoreV1Event[];
    };
    assert.ok(
      json.items.some((e) => (e.count ?? 0) > 1),
      'repeated events carry count > 1',
    );
  });

  it('kubectl get pods -A --watch sees changes as virtual time passes', async () => {
    const child = spawn(
      'kubectl',
      ['--server', sim.url, 'get', 'pods', '-A', '--watch', '--output-watch-events'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const initial = sim.simulation.model.slots.length;
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && out.trim().split('\n').length <= initial + 1) {
      sim.clock.advance(60_000);
      await new Promise((r) => setTimeout(r, 300));
    }
    child.kill();
    assert.match(out, /MODIFIED|ADDED|DELETED/);
    assert.ok(
      out.trim().split('\n').length > initial + 1,
      'watch printed changes after the initial list',
    );
  });

  it('kubectl logs prints the JVM OutOfMemoryError of the previous container', async () => {
    const pods = await kubectl(sim, 'get', 'pods', '-n', 'catalog', '-o', 'name');
    const jvm = pods.split('\n').find((p) => p.includes('pricing-engine'));
    assert.ok(jvm);
    let seen = false;
    // Three in four runs log the OutOfMemoryError before the kernel kills them.
    for (let i = 0; i < 8 && !seen; i++) {
      const logs = await kubectl(sim, 'logs', '-n', 'catalog', jvm, '--previous', '--timestamps');
      assert.match(logs, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z /m);
      seen = logs.includes('java.lang.OutOfMemoryError: Java heap space');
      sim.clock.advance(5 * 60_000);
      sim.tick();
    }
    assert.ok(seen);
  });

  it('answers bad requests with Status objects and never crashes', async () => {
    const res = await fetch(`${sim.url}/api/v1/namespaces/x/pods/nope`);
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'pods "nope" not found',
      reason: 'NotFound',
      details: { name: 'nope', kind: 'pods' },
      code: 404,
    });
    assert.equal((await fetch(`${sim.url}/api/v1/pods?labelSelector=a%20in%20(`)).status, 400);
    assert.equal((await fetch(`${sim.url}/api/v1/pods?watch=1&resourceVersion=abc`)).status, 400);
    assert.equal((await fetch(`${sim.url}/api/v1/pods`, { method: 'POST' })).status, 405);
    assert.equal((await fetch(`${sim.url}/api/v1/nodes/none/proxy/stats/summary`)).status, 404);
    assert.equal((await fetch(`${sim.url}/api/v1/pods`)).status, 200);
  });

  it('paginates lists with limit and continue', async () => {
    const first = (await (await fetch(`${sim.url}/api/v1/pods?limit=50`)).json()) as k8s.V1PodList;
    assert.equal(first.items.length, 50);
    assert.ok(first.metadata?._continue ?? (first.metadata as Record<string, unknown>).continue);
    const token = (first.metadata as Record<string, string>).continue ?? '';
    const second = (await (
      await fetch(`${sim.url}/api/v1/pods?limit=50&continue=${token}`)
    ).json()) as k8s.V1PodList;
    assert.notEqual(second.items[0]?.metadata?.uid, first.items[0]?.metadata?.uid);
  });

  it('client-node informers list, watch ADDED/MODIFIED/DELETED and re-list after 410 Gone', async () => {
    const kc = client(sim);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const pods = k8s.makeInformer(kc, '/api/v1/pods', () => core.listPodForAllNamespaces());
    const nodes = k8s.makeInformer(kc, '/api/v1/nodes', () => core.listNode());
    const seen = { add: 0, update: 0, delete: 0, connect: 0, nodeAdd: 0, errors: [] as unknown[] };
    pods.on('add', () => seen.add++);
    pods.on('update', () => seen.update++);
    pods.on('delete', () => seen.delete++);
    pods.on('connect', () => seen.connect++);
    pods.on('error', (e) => seen.errors.push(e));
    nodes.on('add', () => seen.nodeAdd++);
    await pods.start();
    await nodes.start();
    assert.equal(seen.nodeAdd, sim.simulation.model.nodes.length);
    const initial = seen.add;
    assert.ok(initial >= sim.simulation.model.slots.length);
    // Let rollouts and restarts happen: a few virtual hours.
    const until = Date.now() + 20_000;
    while (Date.now() < until && (seen.update === 0 || seen.delete === 0)) {
      sim.clock.advance(20 * 60_000);
      sim.tick();
      await new Promise((r) => setTimeout(r, 150));
    }
    assert.ok(seen.update > 0, 'MODIFIED seen');
    assert.ok(seen.delete > 0, 'DELETED seen');
    assert.ok(seen.add > initial, 'ADDED seen for replacement pods');
    // Compaction: the informer's resourceVersion becomes too old; it must re-list by itself.
    const connectsBefore = seen.connect;
    const rv = (await core.listPodForAllNamespaces({ limit: 1 })).metadata?.resourceVersion;
    sim.expireWatches();
    const gone = await fetch(`${sim.url}/api/v1/pods?watch=true&resourceVersion=${rv}`);
    const body = await gone.text();
    assert.match(body, /"type":"ERROR".*"code":410/);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && seen.connect < connectsBefore + 1)
      await new Promise((r) => setTimeout(r, 100));
    assert.ok(seen.connect > connectsBefore, 'informer reconnected');
    sim.clock.advance(3_600_000);
    sim.tick();
    await new Promise((r) => setTimeout(r, 500));
    const live = new Set((await core.listPodForAllNamespaces()).items.map((p) => p.metadata?.uid));
    const cached = new Set(
      (pods as k8s.ListWatch<k8s.V1Pod>).list().map((p: k8s.V1Pod) => p.metadata?.uid),
    );
    assert.deepEqual(cached, live, 'informer cache equals the API after recovering');
    assert.deepEqual(seen.errors, []);
    // Stopping aborts the informers' open watch requests (reported as 'aborted').
    await pods.stop();
    await nodes.stop();
  });
});
