// The log-burst analyzer over a real in-memory store filled with constructed log lines and pods:
// what it calls a burst, what it leaves alone, how it links to an OOM loop, and when it lets go.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Finding, LogLine, LogTag, Pod } from '../../../core/domain.js';
import { envelope, type AnyEnvelope } from '../../../core/envelope.js';
import { createLogBurstAnalyzer } from '../../../analyzers/log-bursts/analyzer.js';
import { subjectKey } from '../../../analyzers/ids.js';
import type { MemoryVerdict } from '../../../analyzers/verdicts.js';
import { MemoryStore } from '../../../store/memory.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2025, 0, 6);
const CLUSTER = 'test';
const workload = { namespace: 'shop', kind: 'Deployment', name: 'checkout' };
const subject = {
  type: 'workload_container' as const,
  cluster: CLUSTER,
  workload,
  container: 'app',
};
const TIMEOUT = { timeout: 10_000 };

function pod(i: number, overrides: Partial<Pod> = {}): AnyEnvelope {
  const p: Pod = {
    cluster: CLUSTER,
    namespace: 'shop',
    name: `checkout-${i}`,
    uid: `uid-${i}`,
    nodeName: 'node-1',
    workload,
    qosClass: 'Burstable',
    phase: 'Running',
    labels: {},
    containers: [],
    createdAt: T0 - HOUR,
    ...overrides,
  };
  return envelope('pod', p, 'test', T0);
}

function line(at: number, tags: LogTag[], message: string, podIndex = 1): AnyEnvelope {
  const l: LogLine = {
    cluster: CLUSTER,
    timestamp: at,
    namespace: 'shop',
    pod: `checkout-${podIndex}`,
    podUid: `uid-${podIndex}`,
    container: 'app',
    node: 'node-1',
    stream: 'stderr',
    message,
    tags,
  };
  return envelope('log_line', l, 'test', at);
}

/** `count` lines evenly over `spanMs` from `from`. */
function lines(
  from: number,
  spanMs: number,
  count: number,
  tags: LogTag[],
  message: (i: number) => string,
  podIndex = 1,
): AnyEnvelope[] {
  return Array.from({ length: count }, (_, i) =>
    line(from + Math.floor((i * spanMs) / count), tags, message(i), podIndex),
  );
}

async function analyze(
  records: AnyEnvelope[],
  now: number,
  verdicts?: Map<string, MemoryVerdict>,
): Promise<Finding[]> {
  const store = new MemoryStore();
  await store.write(records);
  const analyzer = createLogBurstAnalyzer();
  return analyzer.analyze({
    cluster: CLUSTER,
    window: { from: now - analyzer.windowMs, to: now },
    now,
    store,
    verdicts,
  });
}

const panics = (from: number, count: number, podIndex = 1) =>
  lines(
    from,
    5 * MIN,
    count,
    ['panic'],
    (i) => `panic: runtime error: index out of range [${i}] with length 0`,
    podIndex,
  );

describe('log-burst analyzer', () => {
  it(
    'finds a burst of panics in one container, with counts, pods and the newest lines',
    TIMEOUT,
    async () => {
      const long = 'panic: runtime error: ' + 'x'.repeat(2_000);
      const records = [pod(1), ...panics(T0 + 10 * MIN, 29), line(T0 + 15 * MIN, ['panic'], long)];
      const [finding, ...rest] = await analyze(records, T0 + 20 * MIN);
      assert.equal(rest.length, 0);
      assert.ok(finding);
      assert.equal(finding.kind, 'error_burst');
      assert.equal(finding.category, 'panic');
      assert.equal(finding.severity, 'warning');
      assert.equal(finding.status, 'open');
      assert.deepEqual(finding.subject, subject);
      assert.equal(finding.relatedTo, undefined);
      assert.equal(finding.firstSeen, T0 + 10 * MIN);
      assert.equal(finding.lastSeen, T0 + 15 * MIN);
      assert.match(finding.title, /30 panic lines in 10 min from 1 pod/);
      // Every count says the window it was counted in.
      assert.match(finding.explanation, /30 panic lines in 10 min from 1 pod, 00:10–00:15 UTC/);
      assert.match(finding.explanation, /whole burst, 5 min from 00:10 to 00:15 UTC/);
      const e = finding.evidence as Record<string, unknown> & {
        tags: Record<string, { count: number; pods: number; first: number; last: number }>;
        pods: { pod: string; lines: number; node: string }[];
        newestLines: { at: number; pod: string; message: string }[];
      };
      assert.deepEqual(e.tags.panic, {
        count: 30,
        pods: 1,
        first: T0 + 10 * MIN,
        last: T0 + 15 * MIN,
      });
      assert.deepEqual(
        e.pods.map((p) => [p.pod, p.lines, p.node]),
        [['checkout-1', 30, 'node-1']],
      );
      assert.equal(e.newestLines.length, 10);
      assert.equal(e.newestLines.at(-1)?.at, T0 + 15 * MIN);
      assert.equal(e.newestLines.at(-1)?.message.length, 500);
      assert.deepEqual(e.advice, []);
      assert.equal(e.lines, 30);

      // The same burst seen again later is the same finding.
      const [again] = await analyze(records, T0 + 25 * MIN);
      assert.equal(again?.id, finding.id);
    },
  );

  it(
    'calls a few scattered errors, or just too few close together, no burst',
    TIMEOUT,
    async () => {
      const scattered: AnyEnvelope[] = [];
      const tags: LogTag[] = ['fatal', 'oom_java', 'signal_kill', 'panic'];
      for (let i = 0; i < 15; i++) {
        scattered.push(
          line(T0 + i * 24 * MIN, [tags[i % tags.length]!], `error ${i}`, 1 + (i % 2)),
        );
      }
      assert.deepEqual(await analyze([pod(1), pod(2), ...scattered], T0 + 6 * HOUR), []);
      // 19 lines in 10 min: one short of the threshold.
      assert.deepEqual(await analyze([pod(1), ...panics(T0 + HOUR, 19)], T0 + HOUR + 10 * MIN), []);
      // Panic lines from two pods are not yet "across replicas".
      assert.deepEqual(
        await analyze(
          [pod(1), pod(2), ...panics(T0, 1, 1), ...panics(T0 + MIN, 1, 2)],
          T0 + 10 * MIN,
        ),
        [],
      );
    },
  );

  it(
    'links a burst of OutOfMemoryError lines to the container’s OOM-loop verdict',
    TIMEOUT,
    async () => {
      const oom = (i: number) =>
        `Exception in thread "worker-${i}" java.lang.OutOfMemoryError: Java heap space`;
      const records = [
        pod(1),
        pod(2),
        ...lines(T0 + 10 * MIN, 4 * MIN, 12, ['oom_java'], oom, 1),
        ...lines(T0 + 11 * MIN, 4 * MIN, 12, ['oom_java'], oom, 2),
      ];
      const verdicts = new Map<string, MemoryVerdict>([
        [
          subjectKey(subject),
          { findingId: 'oom-loop-1', category: 'startup', advice: { action: 'fit_heap' } },
        ],
      ]);
      const [finding] = await analyze(records, T0 + 20 * MIN, verdicts);
      assert.ok(finding);
      assert.equal(finding.relatedTo, 'oom-loop-1');
      assert.equal(finding.category, 'oom_java');
      // OutOfMemoryError from two pods: repeated, so critical.
      assert.equal(finding.severity, 'critical');
      assert.match(
        finding.explanation,
        /These OutOfMemoryError lines are the OOM loop's \(startup\) — see finding oom-loop-1/,
      );
      assert.match(finding.explanation, /24 OutOfMemoryError lines in 10 min across 2 pods/);
      assert.match(finding.recommendation, /OOM-loop finding oom-loop-1/);
      assert.deepEqual(finding.evidence.advice, []);

      // Without a verdict the same burst stands alone, with advice about the heap.
      const [alone] = await analyze(records, T0 + 20 * MIN);
      assert.equal(alone?.relatedTo, undefined);
      assert.match(alone?.recommendation ?? '', /MaxRAMPercentage/);
    },
  );

  it('lets go of a burst once it has been quiet for 30 minutes', TIMEOUT, async () => {
    const records = [pod(1), ...panics(T0 + 10 * MIN, 30)];
    const last = T0 + 10 * MIN + Math.floor((29 * 5 * MIN) / 30);
    assert.equal((await analyze(records, last + 29 * MIN)).length, 1);
    assert.deepEqual(await analyze(records, last + 30 * MIN), []);
    // A trickle afterwards, under the threshold, does not keep it open.
    const trickle = lines(last + 5 * MIN, 40 * MIN, 8, ['panic'], (i) => `panic: again ${i}`);
    assert.deepEqual(await analyze([...records, ...trickle], last + 50 * MIN), []);
  });

  it(
    'pages on panics across replicas, even a few, including a pod deleted since',
    TIMEOUT,
    async () => {
      const records = [
        pod(1),
        pod(2),
        // Deleted at 7 min, it still panics at 8.5 min while it shuts down.
        pod(3, { createdAt: T0 - HOUR, deletedAt: T0 + 7 * MIN }),
        ...panics(T0 + 2 * MIN, 2, 1),
        ...panics(T0 + 4 * MIN, 1, 2),
        ...panics(T0 + 6 * MIN, 2, 3),
      ];
      const [finding] = await analyze(records, T0 + 15 * MIN);
      assert.ok(finding);
      assert.equal(finding.severity, 'critical');
      assert.equal(finding.evidence.panicAcrossReplicas, true);
      assert.match(finding.title, /panic or fatal lines from 3 pods within 30 min/);
      assert.match(finding.explanation, /a cause the replicas share/);
      assert.equal(finding.evidence.podCount, 3);
    },
  );

  it('leaves out lines of pods the inventory never saw', TIMEOUT, async () => {
    assert.deepEqual(await analyze(panics(T0 + 10 * MIN, 40), T0 + 20 * MIN), []);
  });
});
