// Case 2 of the security review: one read-token client could stall the server with requests whose
// cost had no bound — a window from year 0 to 9999, a node list that asked the store twice per
// node, a workload detail carrying every termination unpaged (274 KB each). Each has a bound now.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import type { AnyEnvelope } from '../../core/envelope.js';
import { MemoryStore } from '../../store/memory.js';
import { flappingFinding, oomLoopFinding } from '../alerts/findings.js';
import { bearer, build, READ_TOKEN } from '../api/helper.js';
import { nodeRecord, sampleRecord, terminationRecord } from '../support/records.js';
import { waitFor } from '../support/wait.js';

const DAY = 86_400_000;
const GIB = 2 ** 30;
const PROBLEM = 'application/problem+json; charset=utf-8';
const iso = (t: number) => new Date(t).toISOString();

/** A store that counts the queries made of it. */
function counted(store: MemoryStore): { store: MemoryStore; calls: () => number } {
  let calls = 0;
  const proxy = new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls += 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, calls: () => calls };
}

async function clusterOf(nodes: number): Promise<MemoryStore> {
  const store = new MemoryStore();
  const now = Date.now();
  const records: AnyEnvelope[] = [];
  for (let n = 0; n < nodes; n++) {
    const name = `node-${n}`;
    records.push(nodeRecord({ name, uid: `uid-${name}` }, now - DAY));
    for (const [age, gib] of [
      [20, 9],
      [5, n + 1],
    ] as const) {
      records.push(
        sampleRecord(0, {
          metric: 'node_memory_available_bytes',
          timestamp: now - age * 60_000,
          node: name,
          namespace: undefined,
          pod: undefined,
          podUid: undefined,
          container: undefined,
          workload: undefined,
          value: gib * GIB,
        }),
      );
    }
  }
  await store.write(records);
  await store.upsertFindings([
    flappingFinding({ id: 'flap-1', subject: { type: 'node', cluster: 'test', node: 'node-1' } }),
    flappingFinding({ id: 'flap-2', subject: { type: 'node', cluster: 'test', node: 'node-1' } }),
    oomLoopFinding(),
  ]);
  return store;
}

/** A store whose usage reads wait until `open()`: heavy requests stay in flight till then. */
async function heldStore(): Promise<{
  store: MemoryStore;
  open: () => void;
  started: () => number;
}> {
  const store = new MemoryStore();
  await store.write([sampleRecord(1)]);
  let open: () => void = () => undefined;
  const gateOpen = new Promise<void>((resolve) => (open = resolve));
  let started = 0;
  const held = new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'usageStats') {
        return async (...args: Parameters<MemoryStore['usageStats']>) => {
          started += 1;
          await gateOpen;
          return target.usageStats(...args);
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
  return { store: held, open: () => open(), started: () => started };
}

describe('heavy requests, server-wide', () => {
  it('serves a few at once, queues some, refuses the rest; the rest of the API stays free', async () => {
    const { store: slowStore, open, started } = await heldStore();
    const { app } = await build({ store: slowStore, heavyRequests: { concurrent: 1, queued: 1 } });
    const heavy = () => app.inject({ url: '/api/v1/workloads', headers: bearer(READ_TOKEN) });
    const answered: number[] = [];
    const requests = [heavy(), heavy(), heavy()].map((request) =>
      request.then((response) => {
        answered.push(response.statusCode);
        return response;
      }),
    );
    await waitFor(
      () => answered.length,
      (count) => count > 0,
      { what: 'an answer to one of three heavy requests', timeoutMs: 10_000, intervalMs: 5 },
    );
    assert.deepEqual(answered, [503], 'one running, one waiting: the third is refused');
    const refused = await Promise.race(requests);
    assert.equal(refused.headers['content-type'], PROBLEM);
    assert.ok(Number(refused.headers['retry-after']) > 0);
    assert.equal(started(), 1, 'the waiting one has not reached the store');
    // Cheap calls and probes do not wait behind heavy ones.
    assert.equal((await app.inject('/healthz')).statusCode, 200);
    const findings = await app.inject({ url: '/api/v1/findings', headers: bearer(READ_TOKEN) });
    assert.equal(findings.statusCode, 200);
    open();
    const statuses = (await Promise.all(requests)).map((response) => response.statusCode);
    assert.deepEqual(
      statuses.sort(),
      [200, 200, 503],
      'the queued one runs once the first is done',
    );
    assert.equal((await heavy()).statusCode, 200, 'every slot was given back');
  });

  it('does no work for a client that left while its heavy request waited', async (t) => {
    const { store: slowStore, open, started } = await heldStore();
    const { app } = await build({ store: slowStore, heavyRequests: { concurrent: 1, queued: 4 } });
    t.after(() => app.close());
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    let received = 0;
    app.server.on('request', () => (received += 1));
    const heavy = () =>
      http.get({ port, host: '127.0.0.1', path: '/api/v1/workloads', headers: bearer(READ_TOKEN) });
    const answered = (request: http.ClientRequest) =>
      new Promise<number>((resolve, reject) => {
        request.on('response', (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
        });
        request.on('error', reject);
      });

    const running = answered(heavy());
    const leaving = heavy();
    leaving.on('error', () => undefined);
    await waitFor(
      () => received,
      (count) => count === 2,
      { what: 'the second heavy request queued', timeoutMs: 10_000, intervalMs: 5 },
    );
    leaving.destroy();
    const queuedAfter = answered(heavy());
    await waitFor(
      () => received,
      (count) => count === 3,
      { what: 'the third heavy request queued', timeoutMs: 10_000, intervalMs: 5 },
    );
    open();
    assert.deepEqual(await Promise.all([running, queuedAfter]), [200, 200]);
    const afterTwo = started();
    assert.equal(await answered(heavy()), 200);
    const perRequest = started() - afterTwo;
    assert.ok(perRequest > 0);
    assert.equal(afterTwo, 2 * perRequest, 'the one whose client left never reached the store');
  });
});

describe('the cost of one request', () => {
  it('refuses a usage window wider than api.maxWindowDays, naming the setting', async () => {
    const { app } = await build();
    const get = (query: string) =>
      app.inject({ url: `/api/v1/workloads?${query}`, headers: bearer(READ_TOKEN) });
    const now = Date.now();
    const wide = await get(`from=1970-01-01T00:00:00Z&to=${iso(now)}`);
    assert.equal(wide.statusCode, 400);
    assert.equal(wide.headers['content-type'], PROBLEM);
    assert.match(wide.json<{ detail: string }>().detail, /from.*at most 90.*api\.maxWindowDays/);
    assert.equal((await get(`from=${iso(now - 90 * DAY)}&to=${iso(now)}`)).statusCode, 200);

    const { app: tight } = await build({ maxWindowMs: 7 * DAY });
    const tightGet = (query: string) =>
      tight.inject({ url: `/api/v1/workloads?${query}`, headers: bearer(READ_TOKEN) });
    // The default window (14 days) shrinks to the cap rather than failing a plain request.
    assert.equal((await tightGet('')).statusCode, 200);
    assert.equal((await tightGet(`from=${iso(now - 8 * DAY)}&to=${iso(now)}`)).statusCode, 400);
  });

  it('lists nodes in the same number of store queries whatever their number', async () => {
    const queriesFor = async (nodes: number) => {
      const { store, calls } = counted(await clusterOf(nodes));
      const { app } = await build({ store });
      const before = calls();
      const response = await app.inject({ url: '/api/v1/nodes', headers: bearer(READ_TOKEN) });
      assert.equal(response.statusCode, 200);
      const items = response.json<{
        items: { name: string; memoryAvailableBytes?: number; openFindings: number }[];
      }>().items;
      assert.equal(items.length, nodes);
      return { queries: calls() - before, items };
    };
    const few = await queriesFor(3);
    const many = await queriesFor(60);
    assert.equal(many.queries, few.queries, 'no query per node');
    assert.ok(few.queries <= 4, `${few.queries} queries`);
    // The newest reading of each node, and its open findings.
    const node1 = many.items.find((n) => n.name === 'node-1')!;
    assert.equal(node1.memoryAvailableBytes, 2 * GIB);
    assert.equal(node1.openFindings, 2);
    assert.equal(many.items.find((n) => n.name === 'node-59')!.memoryAvailableBytes, 60 * GIB);
    assert.equal(many.items.find((n) => n.name === 'node-59')!.openFindings, 0);
  });

  it("pages a workload's terminations: the detail carries the newest, counts them all", async () => {
    const store = new MemoryStore();
    const now = Date.now();
    const finishedAt = (i: number) => now - DAY + i * 60_000;
    const records = Array.from({ length: 250 }, (_, i) =>
      terminationRecord({
        pod: `cart-${i}`,
        podUid: `uid-cart-${i}`,
        termination: {
          reason: i % 5 === 0 ? 'Error' : 'OOMKilled',
          exitCode: 137,
          finishedAt: finishedAt(i),
        },
      }),
    );
    // Three that ended at the same instant as the 150th: a page boundary must not split them.
    for (const pod of ['tie-a', 'tie-b', 'tie-c']) {
      records.push(
        terminationRecord({
          pod,
          podUid: `uid-${pod}`,
          termination: { reason: 'OOMKilled', exitCode: 137, finishedAt: finishedAt(150) },
        }),
      );
    }
    await store.write(records);
    const { app } = await build({ store });
    const get = (path: string) =>
      app.inject({
        url: `/api/v1/workloads/shop/Deployment/cart${path}`,
        headers: bearer(READ_TOKEN),
      });

    const detail = (await get('')).json<{
      terminations: { pod: string }[];
      terminationsNext?: string;
      terminationCounts: Record<string, number>;
    }>();
    assert.ok(detail.terminations.length <= 103, `${detail.terminations.length} in the detail`);
    assert.deepEqual(detail.terminationCounts, { OOMKilled: 203, Error: 50 });
    assert.ok(detail.terminationsNext);

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const response = await get(
        `/terminations?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      assert.equal(response.statusCode, 200);
      const page = response.json<{ items: { pod: string }[]; next?: string }>();
      seen.push(...page.items.map((t) => t.pod));
      cursor = page.next;
      pages += 1;
    } while (cursor && pages < 10);
    assert.equal(pages, 3);
    assert.equal(seen.length, 253, 'every termination once');
    assert.equal(new Set(seen).size, 253, 'none twice');
    assert.equal((await get('/terminations?cursor=e30')).statusCode, 400);
  });
});
