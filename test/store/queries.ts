// The read side of the store contract: what analyzers, reports and the API ask of any store.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Finding, LogLine, LogTag, Pod, WorkloadRef } from '../../core/domain.js';
import { envelope, type AnyEnvelope } from '../../core/envelope.js';
import { SKETCH_RELATIVE_ACCURACY, exactQuantile } from '../../core/sketch.js';
import type { Store, UsageStats } from '../../store/store.js';
import {
  nodeRecord,
  sampleRecord,
  T0,
  terminationRecord,
  transitionRecord,
} from '../support/records.js';
import type { StoreFixture } from './conformance.js';

const HOUR = 3_600_000;
const MIN = 60_000;
const cart: WorkloadRef = { namespace: 'shop', kind: 'Deployment', name: 'cart' };
const search: WorkloadRef = { namespace: 'search', kind: 'StatefulSet', name: 'solr' };

/** A deterministic, skewed usage curve so that percentiles differ from each other. */
const usageAt = (i: number, replica: number) =>
  (200 + 150 * Math.sin(i / 17) ** 2 + ((i * 7919 + replica * 104729) % 97) * 3) * 2 ** 20;

function usageSamples(
  workload: WorkloadRef,
  container: string,
  replicas: number,
  count: number,
): AnyEnvelope[] {
  const records: AnyEnvelope[] = [];
  for (let replica = 0; replica < replicas; replica++) {
    for (let i = 0; i < count; i++) {
      records.push(
        sampleRecord(i * 4, {
          workload,
          namespace: workload.namespace,
          container,
          pod: `${workload.name}-${replica}`,
          podUid: `uid-${workload.name}-${replica}`,
          value: usageAt(i, replica),
        }),
      );
    }
  }
  return records;
}

function finding(id: string, lastSeen: number, overrides: Partial<Finding> = {}): Finding {
  return {
    id,
    kind: 'oom_loop',
    category: 'slow_leak',
    severity: 'critical',
    subject: { type: 'workload_container', cluster: 'test', workload: cart, container: 'cart' },
    window: { from: T0 - 24 * HOUR, to: T0 },
    title: `finding ${id}`,
    evidence: { kills: 3 },
    explanation: 'explained',
    recommendation: 'recommended',
    status: 'open',
    firstSeen: lastSeen - HOUR,
    lastSeen,
    ...overrides,
  };
}

export function storeQueryConformance(name: string, open: () => Promise<StoreFixture>): void {
  describe(`store queries: ${name}`, () => {
    let fixture: StoreFixture;
    let store: Store;
    const cartSamples = usageSamples(cart, 'cart', 3, 400);
    const solrSamples = usageSamples(search, 'solr', 1, 300);

    before(async () => {
      fixture = await open();
      store = fixture.store;
      const pod = (name: string, createdAt: number, deletedAt?: number): AnyEnvelope =>
        envelope(
          'pod',
          {
            cluster: 'test',
            namespace: 'shop',
            name,
            uid: `uid-${name}`,
            nodeName: 'node-a',
            workload: cart,
            qosClass: 'Burstable',
            phase: 'Running',
            labels: {},
            containers: [],
            createdAt,
            ...(deletedAt ? { deletedAt } : {}),
          } satisfies Pod,
          'test',
          T0,
        );
      const event = (uid: string, count: number, reason: string, last: number): AnyEnvelope =>
        envelope(
          'kube_event',
          {
            cluster: 'test',
            uid,
            type: 'Warning',
            reason,
            message: `${reason} x${count}`,
            involvedObject: { kind: 'Node', name: 'node-a' },
            count,
            firstTimestamp: T0 - HOUR,
            lastTimestamp: last,
            sourceComponent: 'kubelet',
            sourceHost: 'node-a',
          },
          'test',
          last,
        );
      const log = (i: number, message: string, tags: ('oom_java' | 'fatal')[] = []): AnyEnvelope =>
        envelope(
          'log_line',
          {
            cluster: 'test',
            timestamp: T0 + i * 1000,
            nanos: 0,
            namespace: 'shop',
            pod: 'cart-0',
            container: 'cart',
            stream: 'stderr',
            message,
            tags,
          },
          'test',
        );
      const tagged = (at: number, tags: LogTag[], line: Partial<LogLine> = {}): AnyEnvelope =>
        envelope(
          'log_line',
          {
            cluster: 'test',
            timestamp: at,
            namespace: 'shop',
            pod: 'api-0',
            podUid: 'uid-api-0',
            container: 'api',
            node: 'node-a',
            stream: 'stderr',
            message: `${tags.join('+')} at ${at - T0}`,
            tags,
            ...line,
          },
          'test',
        );
      const records: AnyEnvelope[] = [
        ...cartSamples,
        ...solrSamples,
        ...Array.from({ length: 50 }, (_, i) =>
          sampleRecord(i * 4, {
            metric: 'node_memory_available_bytes',
            node: 'node-a',
            namespace: undefined,
            pod: undefined,
            podUid: undefined,
            container: undefined,
            workload: undefined,
            value: (4 - i / 25) * 2 ** 30,
          }),
        ),
        // A second node's readings, within the first ten minutes of node-a's.
        ...Array.from({ length: 10 }, (_, i) =>
          sampleRecord(i * 4, {
            metric: 'node_memory_available_bytes',
            node: 'node-b',
            namespace: undefined,
            pod: undefined,
            podUid: undefined,
            container: undefined,
            workload: undefined,
            value: (18 - i) * 2 ** 30,
          }),
        ),
        nodeRecord({ name: 'node-a', uid: 'uid-a' }),
        nodeRecord({ name: 'node-gone', uid: 'uid-gone', deletedAt: T0 - HOUR }),
        pod('cart-old', T0 - 48 * HOUR, T0 - 24 * HOUR),
        pod('cart-now', T0 - 2 * HOUR),
        transitionRecord({ at: T0 + 2 * HOUR, to: 'True', from: 'False' }),
        transitionRecord({ at: T0 + HOUR }),
        transitionRecord({ node: 'node-b', at: T0 + HOUR }),
        terminationRecord({
          termination: { reason: 'OOMKilled', exitCode: 137, finishedAt: T0 + HOUR },
        }),
        terminationRecord({
          restartCount: 4,
          termination: { reason: 'OOMKilled', exitCode: 2, finishedAt: T0 + 3 * HOUR },
        }),
        terminationRecord({
          container: 'sidecar',
          termination: { reason: 'Error', exitCode: 1, finishedAt: T0 + 2 * HOUR },
        }),
        event('ev-1', 1, 'NodeHasInsufficientMemory', T0),
        event('ev-1', 4, 'NodeHasInsufficientMemory', T0 + HOUR),
        event('ev-2', 1, 'SystemOOM', T0 + 30 * 60_000),
        ...Array.from({ length: 30 }, (_, i) => log(i, `GET /cart ${i}`)),
        log(30, 'java.lang.OutOfMemoryError: Java heap space', ['oom_java']),
        log(31, 'shutting down', ['fatal']),
        // Tagged lines for the counts: six panics over two minutes, a line with two tags, a pod
        // known by name alone, another namespace, and a panic after the window.
        ...Array.from({ length: 6 }, (_, i) => tagged(T0 + 10 * MIN + i * 20_000, ['panic'])),
        tagged(T0 + 12 * MIN, ['oom_java', 'fatal']),
        tagged(T0 + 10 * MIN + 5_000, ['panic'], {
          pod: 'api-1',
          podUid: undefined,
          node: undefined,
        }),
        tagged(T0 + 10 * MIN, ['fatal'], { namespace: 'search', pod: 'solr-0', container: 'solr' }),
        tagged(T0 + 2 * HOUR, ['panic']),
      ];
      for (let start = 0; start < records.length; start += 1000) {
        const outcomes = await store.write(records.slice(start, start + 1000));
        assert.ok(outcomes.every((outcome) => outcome.status === 'written'));
      }
      await store.refresh();
      await store.maintain(T0 + 2 * HOUR);
    });

    after(async () => {
      await fixture.close();
    });

    it('computes usage percentiles per workload container across its pods, within the sketch error', async () => {
      const window = { from: T0, to: T0 + 12 * HOUR };
      const page = await store.usageStats({
        cluster: 'test',
        metric: 'memory_working_set_bytes',
        window,
        percentiles: [50, 95, 99],
      });
      const byName = new Map(page.items.map((row) => [row.key.workload.name, row]));
      const check = (row: UsageStats | undefined, records: AnyEnvelope[]) => {
        assert.ok(row);
        const values = records
          .map((r) => (r.kind === 'usage_sample' ? r.payload.value : 0))
          .sort((a, b) => a - b);
        assert.equal(row.samples, values.length);
        assert.equal(row.max, values[values.length - 1]);
        assert.equal(row.min, values[0]);
        for (const p of [50, 95, 99]) {
          const exact = exactQuantile(values, p / 100)!;
          const got = row.percentiles[String(p)]!;
          assert.ok(
            Math.abs(got - exact) <= exact * SKETCH_RELATIVE_ACCURACY + 1e-9,
            `p${p}: ${got} vs exact ${exact}`,
          );
        }
      };
      check(byName.get('cart'), cartSamples);
      check(byName.get('solr'), solrSamples);
      assert.deepEqual(byName.get('cart')?.key, {
        cluster: 'test',
        workload: cart,
        container: 'cart',
      });
    });

    it('pages through containers with a cursor and filters by namespace', async () => {
      const base = {
        cluster: 'test',
        metric: 'memory_working_set_bytes' as const,
        window: { from: T0, to: T0 + 12 * HOUR },
        percentiles: [99],
      };
      const first = await store.usageStats({ ...base, pageSize: 1 });
      assert.equal(first.items.length, 1);
      assert.ok(first.next);
      const second = await store.usageStats({ ...base, pageSize: 1, after: first.next });
      assert.equal(second.items.length, 1);
      assert.notEqual(second.items[0]!.key.workload.name, first.items[0]!.key.workload.name);
      const onlySearch = await store.usageStats({ ...base, namespace: 'search' });
      assert.deepEqual(
        onlySearch.items.map((row) => row.key.workload.name),
        ['solr'],
      );
      await assert.rejects(store.usageStats({ ...base, after: 'not-a-cursor!' }), /cursor/);
    });

    it('returns a node series bucketed by step', async () => {
      const points = await store.usageSeries({
        cluster: 'test',
        metric: 'node_memory_available_bytes',
        subject: { type: 'node', node: 'node-a' },
        window: { from: T0, to: T0 + HOUR },
        stepMs: 60_000,
      });
      assert.equal(points.length, 50);
      assert.equal(points[0]!.t, T0);
      assert.equal(points[0]!.max, 4 * 2 ** 30);
      assert.ok(points[49]!.min < points[0]!.min);
    });

    it("reads every node's newest sample of a node metric in one query", async () => {
      const latest = (to: number) =>
        store.latestNodeValues({
          cluster: 'test',
          metric: 'node_memory_available_bytes',
          window: { from: T0, to },
        });
      // node-a reads (4 - i/25) GiB every minute for 50 minutes; node-b (18 - i) GiB for 10.
      assert.deepEqual(
        await latest(T0 + HOUR),
        new Map([
          ['node-a', (4 - 49 / 25) * 2 ** 30],
          ['node-b', (18 - 9) * 2 ** 30],
        ]),
      );
      assert.deepEqual(
        await latest(T0 + 5 * MIN),
        new Map([
          ['node-a', (4 - 4 / 25) * 2 ** 30],
          ['node-b', (18 - 4) * 2 ** 30],
        ]),
        'the window ends the reading: later samples are not "latest" yet',
      );
      const other = await store.latestNodeValues({
        cluster: 'test',
        metric: 'memory_working_set_bytes',
        window: { from: T0, to: T0 + HOUR },
      });
      assert.equal(other.size, 0, 'a container metric has no node readings');
    });

    it('says which buckets of a window hold usage data, and which do not', async () => {
      // Container samples run from T0 to T0 + 6 h 39 min; nothing before T0.
      const hourly = await store.usageCoverage({
        cluster: 'test',
        window: { from: T0 - 2 * HOUR, to: T0 + 9 * HOUR },
        stepMs: HOUR,
      });
      assert.deepEqual(
        hourly.map((t) => (t - T0) / HOUR),
        [0, 1, 2, 3, 4, 5, 6],
      );
      // Buckets count from the window's start, whatever the hour.
      const offset = await store.usageCoverage({
        cluster: 'test',
        window: { from: T0 - 30 * MIN, to: T0 + 8 * HOUR },
        stepMs: HOUR,
      });
      assert.deepEqual(
        offset.map((t) => (t - T0) / MIN),
        [-30, 30, 90, 150, 210, 270, 330, 390],
      );
      const onNodes = (nodes: string[]) =>
        store.usageCoverage({
          cluster: 'test',
          window: { from: T0 - 2 * HOUR, to: T0 + 9 * HOUR },
          stepMs: HOUR,
          nodes,
        });
      assert.deepEqual(await onNodes(['node-a', 'node-z']), hourly);
      assert.deepEqual(await onNodes(['node-z']), []);
      // The solr samples stop after 5 hours, the cart ones after 6 h 39 min.
      const inNamespace = async (namespace: string) =>
        (
          await store.usageCoverage({
            cluster: 'test',
            window: { from: T0 - 2 * HOUR, to: T0 + 9 * HOUR },
            stepMs: HOUR,
            namespace,
          })
        ).map((t) => (t - T0) / HOUR);
      assert.deepEqual(await inNamespace('search'), [0, 1, 2, 3, 4]);
      assert.deepEqual(await inNamespace('shop'), [0, 1, 2, 3, 4, 5, 6]);
      assert.deepEqual(await inNamespace('elsewhere'), []);
      assert.deepEqual(
        await store.usageCoverage({
          cluster: 'elsewhere',
          window: { from: T0, to: T0 + HOUR },
          stepMs: HOUR,
        }),
        [],
      );
    });

    it('returns a pod container series', async () => {
      const points = await store.usageSeries({
        cluster: 'test',
        metric: 'memory_working_set_bytes',
        subject: { type: 'pod_container', podUid: 'uid-cart-1', container: 'cart' },
        window: { from: T0, to: T0 + 10 * 60_000 },
        stepMs: 5 * 60_000,
      });
      assert.equal(points.length, 2);
      assert.equal(points[0]!.max, Math.max(...Array.from({ length: 5 }, (_, i) => usageAt(i, 1))));
    });

    it('lists node transitions in a window, in time order', async () => {
      const transitions = await store.nodeTransitions({
        cluster: 'test',
        window: { from: T0 + 30 * 60_000, to: T0 + 3 * HOUR },
        node: 'node-a',
      });
      assert.deepEqual(
        transitions.map((t) => [t.at - T0, t.to]),
        [
          [HOUR, 'False'],
          [2 * HOUR, 'True'],
        ],
      );
    });

    it('lists terminations of a workload container by reason', async () => {
      const kills = await store.terminations({
        cluster: 'test',
        window: { from: T0, to: T0 + 4 * HOUR },
        workload: cart,
        container: 'cart',
        reasons: ['OOMKilled'],
      });
      assert.deepEqual(
        kills.map((k) => k.termination.exitCode),
        [137, 2],
      );
    });

    it('returns the latest observation of each event', async () => {
      const events = await store.events({
        cluster: 'test',
        window: { from: T0 - HOUR, to: T0 + 2 * HOUR },
        node: 'node-a',
      });
      assert.deepEqual(
        events.map((e) => [e.reason, e.count]),
        [
          ['SystemOOM', 1],
          ['NodeHasInsufficientMemory', 4],
        ],
      );
      const onlyOom = await store.events({
        cluster: 'test',
        window: { from: T0 - HOUR, to: T0 + 2 * HOUR },
        reasons: ['SystemOOM'],
      });
      assert.equal(onlyOom.length, 1);
    });

    it('returns the last log lines of a container before a time, oldest first, or only tagged ones', async () => {
      const lines = await store.logLines({
        cluster: 'test',
        namespace: 'shop',
        pod: 'cart-0',
        container: 'cart',
        window: { from: T0, to: T0 + 32_000 },
        limit: 3,
      });
      assert.deepEqual(
        lines.map((l) => l.message),
        ['GET /cart 29', 'java.lang.OutOfMemoryError: Java heap space', 'shutting down'],
      );
      const tagged = await store.logLines({
        cluster: 'test',
        namespace: 'shop',
        pod: 'cart-0',
        container: 'cart',
        window: { from: T0, to: T0 + HOUR },
        tags: ['oom_java'],
        limit: 10,
      });
      assert.equal(tagged.length, 1);
    });

    it(
      'counts tagged log lines per pod container, in all and per tag, over the window or per bucket',
      { timeout: 30_000 },
      async () => {
        const window = { from: T0, to: T0 + HOUR };
        const all = await store.logTagCounts({ cluster: 'test', window });
        const rel = (t: number) => t - T0;
        assert.deepEqual(
          all.map((r) => [r.namespace, r.pod, r.container, r.lines, rel(r.first), rel(r.last)]),
          [
            ['search', 'solr-0', 'solr', 1, 10 * MIN, 10 * MIN],
            ['shop', 'api-0', 'api', 7, 10 * MIN, 12 * MIN],
            ['shop', 'api-1', 'api', 1, 10 * MIN + 5_000, 10 * MIN + 5_000],
            ['shop', 'cart-0', 'cart', 2, 30_000, 31_000],
          ],
        );
        // A line with two tags is one line, counted under each of its tags.
        assert.deepEqual(all[1]!.tags, {
          fatal: { count: 1, first: T0 + 12 * MIN, last: T0 + 12 * MIN },
          oom_java: { count: 1, first: T0 + 12 * MIN, last: T0 + 12 * MIN },
          panic: { count: 6, first: T0 + 10 * MIN, last: T0 + 11 * MIN + 40_000 },
        });
        assert.deepEqual([all[1]!.podUid, all[1]!.node], ['uid-api-0', 'node-a']);
        assert.deepEqual(
          [all[2]!.podUid, all[2]!.node, all[2]!.bucket],
          [undefined, undefined, undefined],
        );

        const panics = await store.logTagCounts({
          cluster: 'test',
          window,
          tags: ['panic'],
          namespace: 'shop',
          bucketMs: MIN,
        });
        assert.deepEqual(
          panics.map((r) => [r.pod, rel(r.bucket ?? NaN), r.lines, rel(r.first), rel(r.last)]),
          [
            ['api-0', 10 * MIN, 3, 10 * MIN, 10 * MIN + 40_000],
            ['api-0', 11 * MIN, 3, 11 * MIN, 11 * MIN + 40_000],
            ['api-1', 10 * MIN, 1, 10 * MIN + 5_000, 10 * MIN + 5_000],
          ],
        );
        assert.deepEqual(panics[1]!.tags, {
          panic: { count: 3, first: T0 + 11 * MIN, last: T0 + 11 * MIN + 40_000 },
        });

        // Only the tags asked for are counted, even on a line that has others.
        const fatal = await store.logTagCounts({ cluster: 'test', window, tags: ['fatal'] });
        assert.deepEqual(
          fatal.map((r) => [r.pod, r.lines, Object.keys(r.tags)]),
          [
            ['solr-0', 1, ['fatal']],
            ['api-0', 1, ['fatal']],
            ['cart-0', 1, ['fatal']],
          ],
        );

        const limited = await store.logTagCounts({
          cluster: 'test',
          window: { from: T0, to: T0 + 10 * MIN + 1 },
          limit: 2,
        });
        assert.deepEqual(
          limited.map((r) => [r.pod, r.lines]),
          [
            ['solr-0', 1],
            ['api-0', 1],
          ],
        );
        assert.deepEqual(await store.logTagCounts({ cluster: 'other', window }), []);
      },
    );

    it('answers inventory as it was at a time', async () => {
      const now = await store.pods({ cluster: 'test', at: T0 });
      assert.deepEqual(
        now.map((p) => p.name),
        ['cart-now'],
      );
      const before = await store.pods({ cluster: 'test', at: T0 - 30 * HOUR });
      assert.deepEqual(
        before.map((p) => p.name),
        ['cart-old'],
      );
      const nodes = await store.nodes({ cluster: 'test', at: T0 });
      assert.deepEqual(
        nodes.map((n) => n.name),
        ['node-a'],
      );
    });

    it('stores findings by id, filters them, and pages newest first', async () => {
      await store.upsertFindings([
        finding('f1', T0 + 1),
        finding('f2', T0 + 2, { severity: 'warning' }),
        finding('f3', T0 + 3, {
          kind: 'node_memory_flapping',
          subject: { type: 'node', cluster: 'test', node: 'node-a' },
        }),
      ]);
      await store.upsertFindings([
        finding('f1', T0 + 4, { status: 'resolved', resolvedAt: T0 + 4 }),
      ]);
      const first = await store.findings({ cluster: 'test', limit: 2 });
      assert.deepEqual(
        first.items.map((f) => f.id),
        ['f1', 'f3'],
      );
      const second = await store.findings({ cluster: 'test', limit: 2, after: first.next });
      assert.deepEqual(
        second.items.map((f) => f.id),
        ['f2'],
      );
      assert.equal(second.next, undefined);
      assert.equal((await store.finding('f1'))?.status, 'resolved');
      const open = await store.findings({ status: 'open', kinds: ['oom_loop'] });
      assert.deepEqual(
        open.items.map((f) => f.id),
        ['f2'],
      );
      const byNode = await store.findings({ node: 'node-a' });
      assert.deepEqual(
        byNode.items.map((f) => f.id),
        ['f3'],
      );
      const onNodes = await store.findings({ cluster: 'test', onNodes: true });
      assert.deepEqual(
        onNodes.items.map((f) => f.id),
        ['f3'],
        'only the findings about a node',
      );
      const byNamespace = await store.findings({ namespace: 'shop', severities: ['critical'] });
      assert.deepEqual(
        byNamespace.items.map((f) => f.id),
        ['f1'],
      );
      assert.equal(await store.finding('nope'), undefined);
      const some = await store.findingsByIds(['f3', 'nope', 'f1']);
      assert.deepEqual([...some.keys()].sort(), ['f1', 'f3']);
      assert.equal(some.get('f1')?.status, 'resolved');
      assert.equal((await store.findingsByIds([])).size, 0);
    });

    it('stores reports and lists them without their content', async () => {
      const report = (id: string, generatedAt: number) => ({
        id,
        cluster: 'test',
        week: '2026-W47',
        generatedAt,
        summary: { nodes: 3 },
        content: { html: '<p>hi</p>', md: '# hi', json: '{}', csv: 'a,b' },
      });
      await store.putReport(report('r1', T0));
      await store.putReport(report('r2', T0 + 1));
      const listed = await store.reports({ cluster: 'test' });
      assert.deepEqual(
        listed.items.map((r) => r.id),
        ['r2', 'r1'],
      );
      assert.equal('content' in listed.items[0]!, false);
      assert.equal((await store.report('r1'))?.content.md, '# hi');
    });

    it('grants a lock to one owner until it expires', async () => {
      assert.equal(await store.acquireLock('weekly-report', 'replica-a', 60_000), true);
      assert.equal(await store.acquireLock('weekly-report', 'replica-b', 60_000), false);
      assert.equal(
        await store.acquireLock('weekly-report', 'replica-a', 60_000),
        true,
        'owner renews',
      );
      assert.equal(await store.acquireLock('other', 'replica-b', 1), true);
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(
        await store.acquireLock('other', 'replica-c', 60_000),
        true,
        'expired lock is free',
      );
    });
  });
}
