// The simulator's fault injection, which the collector fault tests stand on: a hung kubelet
// answers nothing on either path while the other nodes answer; a malformed one breaks its bodies
// around the lines it keeps; clearing a fault restores the very bytes served before; the API
// server stops, refuses connections and comes back on the same port with its watch history; the
// opt-in admin endpoints do the same over HTTP, and without the option nothing new is served.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  FAULT_PROBE_NAMESPACE,
  startSimulator,
  type RunningSimulator,
} from '../../../simulator/index.js';
import { waitFor } from '../../support/wait.js';

const AUTH = { Authorization: 'Bearer test' };

async function refused(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return false;
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return cause?.code === 'ECONNREFUSED';
  }
}

async function hangs(url: string, ms = 400): Promise<boolean> {
  try {
    await fetch(url, { headers: AUTH, signal: AbortSignal.timeout(ms) });
    return false;
  } catch (error) {
    return (error as Error).name === 'TimeoutError';
  }
}

describe('simulator fault injection', () => {
  let sim: RunningSimulator;
  let nodes: string[];
  const proxy = (node: string, path: string) => `${sim.url}/api/v1/nodes/${node}/proxy/${path}`;
  const direct = (node: string, path: string) => `${sim.url}/kubelet/${node}/${path}`;
  const body = async (url: string) => {
    const response = await fetch(url, { headers: AUTH });
    assert.equal(response.status, 200, url);
    return response.text();
  };

  before(async () => {
    // No tick during the test: the model stays at one instant, so bodies can be compared byte
    // for byte.
    sim = await startSimulator({ scenario: 'healthy', nodes: 2, port: 0, tickMs: 3_600_000 });
    nodes = sim.simulation.model.nodes.map((n) => n.name);
  });

  after(async () => {
    await sim?.close();
  });

  it('hangs one node on both paths while the others answer', async () => {
    const [hung, healthy] = nodes as [string, string];
    sim.faults.setKubelet(hung, 'hang');
    try {
      for (const path of ['metrics/resource', 'metrics/cadvisor', 'stats/summary', 'pods']) {
        assert.ok(await hangs(proxy(hung, path)), `proxy ${path} hangs`);
        assert.ok(await hangs(direct(hung, path)), `direct ${path} hangs`);
      }
      assert.ok((await body(proxy(healthy, 'metrics/resource'))).includes('node_memory'));
      assert.ok((await body(direct(healthy, 'metrics/resource'))).includes('node_memory'));
      assert.deepEqual(sim.faults.snapshot(), { kubelets: { [hung]: 'hang' } });
    } finally {
      sim.faults.setKubelet(hung, undefined);
    }
    assert.ok((await body(proxy(hung, 'metrics/resource'))).includes('node_memory'));
  });

  it('breaks bodies around the lines it keeps, and clearing restores the same bytes', async () => {
    const node = nodes[0]!;
    const clean = new Map<string, string>();
    const paths = ['metrics/resource', 'metrics/cadvisor', 'stats/summary', 'pods'];
    for (const path of paths) clean.set(path, await body(proxy(node, path)));
    sim.faults.setKubelet(node, 'malformed');
    try {
      for (const path of ['metrics/resource', 'metrics/cadvisor']) {
        for (const url of [proxy(node, path), direct(node, path)]) {
          const broken = await body(url);
          const original = clean.get(path)!;
          assert.notEqual(broken, original);
          assert.ok(broken.includes(`namespace="${FAULT_PROBE_NAMESPACE}",pod="fault-probe"} NaN`));
          assert.ok(broken.includes('} +Inf\n'));
          assert.ok(broken.includes('# TYPE fault_probe_info flibbertigibbet\n'));
          assert.ok(broken.includes('\nthis line is not a metric\n'));
          assert.ok(!broken.endsWith('\n'), 'the body is cut short');
          const kept = broken.split('\n');
          const originalLines = original.trimEnd().split('\n');
          // Every original line is there, in order, up to the one cut short.
          const cut = kept[kept.length - 1]!;
          let cutAt = originalLines.length - 1;
          while (cutAt >= 0 && !originalLines[cutAt]!.startsWith(cut)) cutAt--;
          assert.ok(cutAt > originalLines.length / 2, `cut near the end (${cutAt})`);
          const survivors = kept.filter((l) => originalLines.includes(l));
          assert.deepEqual(survivors, originalLines.slice(0, cutAt));
        }
      }
      for (const path of ['stats/summary', 'pods']) {
        const broken = await body(proxy(node, path));
        assert.ok(clean.get(path)!.startsWith(broken), `${path} is a prefix of the document`);
        assert.throws(() => JSON.parse(broken) as unknown, SyntaxError);
      }
      assert.equal(await body(proxy(node, 'healthz')), 'ok');
    } finally {
      sim.faults.setKubelet(node, undefined);
    }
    for (const path of paths) {
      assert.equal(await body(proxy(node, path)), clean.get(path), `${path} as before`);
      assert.equal(await body(direct(node, path)), clean.get(path), `${path} direct as before`);
    }
  });

  it('refuses faults for nodes it does not simulate', () => {
    assert.throws(() => sim.faults.setKubelet('no-such-node', 'hang'), /no simulated node/);
  });

  it('stops, refuses connections and comes back on the same port with its watch history', async () => {
    const list = (await (await fetch(`${sim.url}/api/v1/nodes`)).json()) as {
      metadata: { resourceVersion: string };
    };
    const rv = list.metadata.resourceVersion;
    const watch = await fetch(`${sim.url}/api/v1/nodes?watch=true&resourceVersion=${rv}`);
    const reader = watch.body!.getReader();
    const url = sim.url;
    await sim.stopListening();
    // The open watch ends with the server.
    await waitFor(
      async () => (await reader.read().catch(() => ({ done: true }))).done,
      (done) => done === true,
      { what: 'the watch to end', timeoutMs: 5_000 },
    );
    // A kept-alive connection of the client's pool may first fail as closed, then new ones are
    // refused.
    await waitFor(
      () => refused(`${url}/version`),
      (down) => down,
      { what: 'connections refused while down', timeoutMs: 2_000, intervalMs: 20 },
    );
    await sim.listen();
    assert.equal((await fetch(`${url}/version`)).status, 200);
    // The history survived the restart: a watch from the old version is no 410.
    // Node heartbeats change within ten minutes.
    sim.clock.advance(600_000);
    sim.tick();
    const resumed = new AbortController();
    setTimeout(() => resumed.abort(), 3_000).unref();
    const replay = await fetch(`${url}/api/v1/nodes?watch=true&resourceVersion=${rv}`, {
      signal: resumed.signal,
    });
    assert.equal(replay.status, 200);
    const first = await replay.body!.getReader().read();
    resumed.abort();
    const event = JSON.parse(Buffer.from(first.value).toString('utf8').split('\n')[0]!) as {
      type: string;
    };
    assert.equal(event.type, 'MODIFIED', 'changes since the old resourceVersion are replayed');
    // Unless the history is compacted, as a new API server's watch cache would have it.
    await sim.restart(200);
    sim.expireWatches();
    const expired = await fetch(`${url}/api/v1/nodes?watch=true&resourceVersion=${rv}`);
    assert.match(await expired.text(), /"code":410/);
  });
});

describe('simulator fault admin endpoints', () => {
  let sim: RunningSimulator;

  after(async () => {
    await sim?.close();
  });

  it('are absent unless asked for', async () => {
    sim = await startSimulator({ scenario: 'healthy', nodes: 2, port: 0 });
    const get = await fetch(`${sim.url}/simulator/faults`);
    assert.equal(get.status, 404);
    const put = await fetch(`${sim.url}/simulator/faults/kubelets/x?fault=hang`, { method: 'PUT' });
    assert.equal(put.status, 405);
    await sim.close();
  });

  it('set and clear kubelet faults and restart the server over HTTP', async () => {
    sim = await startSimulator({ scenario: 'healthy', nodes: 2, port: 0, faultAdmin: true });
    const node = sim.simulation.model.nodes[0]!.name;
    const admin = (path: string, method: string) =>
      fetch(`${sim.url}/simulator/${path}`, { method });
    const set = await admin(`faults/kubelets/${node}?fault=hang`, 'PUT');
    assert.equal(set.status, 200);
    assert.deepEqual(await set.json(), { kubelets: { [node]: 'hang' } });
    assert.ok(await hangs(`${sim.url}/api/v1/nodes/${node}/proxy/metrics/resource`));
    assert.equal((await admin(`faults/kubelets/${node}?fault=sideways`, 'PUT')).status, 400);
    assert.equal((await admin('faults/kubelets/no-such-node?fault=hang', 'PUT')).status, 400);
    const cleared = await admin(`faults/kubelets/${node}`, 'DELETE');
    assert.deepEqual(await cleared.json(), { kubelets: {} });
    assert.equal(
      (await fetch(`${sim.url}/api/v1/nodes/${node}/proxy/metrics/resource`)).status,
      200,
    );
    const restart = await admin('restart?downSeconds=1', 'POST');
    assert.equal(restart.status, 202);
    await waitFor(
      () => refused(`${sim.url}/version`),
      (down) => down,
      { what: 'the server to go down', timeoutMs: 2_000, intervalMs: 20 },
    );
    await sleep(1_000);
    await waitFor(
      async () => (await fetch(`${sim.url}/version`).catch(() => undefined))?.status,
      (status) => status === 200,
      { what: 'the server to come back', timeoutMs: 5_000 },
    );
  });
});
