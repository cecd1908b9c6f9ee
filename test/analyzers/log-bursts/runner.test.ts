// From CRI log lines to a finding through the runner: a JVM's OutOfMemoryError lines, as the
// kubelet writes them and the collectors parse and tag them, become an error burst that points
// at the container's OOM loop found in the same pass, and resolve once the lines stop.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContainerTermination, LogLine, Pod } from '../../../core/domain.js';
import { envelope, type AnyEnvelope } from '../../../core/envelope.js';
import { parseCriLine, tagLogMessage } from '../../../collectors/formats/cri-log.js';
import { createAnalyzers } from '../../../analyzers/index.js';
import { LOG_BURST_ANALYZER } from '../../../analyzers/log-bursts/analyzer.js';
import { OOM_LOOP_ANALYZER } from '../../../analyzers/oom-loop/analyzer.js';
import { AnalyzerRunner } from '../../../analyzers/runner.js';
import { rfc3339Nano } from '../../../simulator/model/logs.js';
import { MemoryStore } from '../../../store/memory.js';

const MI = 1024 * 1024;
const MIN = 60_000;
const T0 = Date.UTC(2025, 0, 6);
const CLUSTER = 'test';
const workload = { namespace: 'shop', kind: 'Deployment', name: 'pricing' };

const pod: Pod = {
  cluster: CLUSTER,
  namespace: 'shop',
  name: 'pricing-1',
  uid: 'uid-1',
  nodeName: 'node-1',
  workload,
  qosClass: 'Burstable',
  phase: 'Running',
  labels: {},
  containers: [
    {
      name: 'app',
      image: 'pricing:5',
      resources: { requests: { memoryBytes: 512 * MI }, limits: { memoryBytes: 512 * MI } },
      runtimeHints: ['-Xmx1g'],
      state: { kind: 'running' },
      restartCount: 4,
      init: false,
    },
  ],
  createdAt: T0 - 60 * MIN,
};

function kill(at: number, i: number): AnyEnvelope {
  const t: ContainerTermination = {
    cluster: CLUSTER,
    namespace: 'shop',
    pod: 'pricing-1',
    podUid: 'uid-1',
    node: 'node-1',
    workload,
    container: 'app',
    termination: { reason: 'OOMKilled', exitCode: 137, startedAt: at - 30_000, finishedAt: at },
    restartCount: i,
    requests: { memoryBytes: 512 * MI },
    limits: { memoryBytes: 512 * MI },
  };
  return envelope('container_termination', t, 'test', at);
}

/** One line of /var/log/pods/shop_pricing-1_uid-1/app/N.log, parsed and tagged as collected. */
function criLine(at: number, stream: 'stdout' | 'stderr', message: string): AnyEnvelope {
  const parsed = parseCriLine(`${rfc3339Nano(at, 0)} ${stream} F ${message}\n`);
  assert.ok(parsed.ok);
  const record = parsed.value;
  const line: LogLine = {
    cluster: CLUSTER,
    timestamp: record.timestampMs,
    nanos: record.nanos,
    namespace: 'shop',
    pod: 'pricing-1',
    podUid: 'uid-1',
    container: 'app',
    node: 'node-1',
    stream: record.stream,
    message: record.message,
    tags: tagLogMessage(record.message),
  };
  return envelope('log_line', line, 'test');
}

describe('error bursts through the runner', () => {
  it(
    'turns a burst of OutOfMemoryError lines into a finding linked to the OOM loop, then resolves it',
    { timeout: 20_000 },
    async () => {
      const store = new MemoryStore();
      const records: AnyEnvelope[] = [envelope('pod', pod, 'test', T0)];
      // Four start-up OOM kills 3 min apart; before each, eight worker threads hit the heap limit.
      const kills = [1, 2, 3, 4].map((i) => T0 + i * 3 * MIN);
      kills.forEach((at, i) => {
        records.push(kill(at, i));
        records.push(
          criLine(at - 28_000, 'stdout', 'INFO  c.e.p.PriceTableLoader - loaded chunk 1'),
        );
        for (let j = 0; j < 8; j++) {
          records.push(
            criLine(
              at - 20_000 + j * 2_000,
              'stderr',
              `Exception in thread "price-loader-${j}" java.lang.OutOfMemoryError: Java heap space`,
            ),
          );
        }
      });
      await store.write(records);
      const runner = new AnalyzerRunner({
        cluster: CLUSTER,
        analyzers: createAnalyzers({}, [OOM_LOOP_ANALYZER, LOG_BURST_ANALYZER]),
        reader: store,
        findings: store,
      });
      const findings = async () => (await store.findings({ cluster: CLUSTER, limit: 100 })).items;

      const report = await runner.run({ now: T0 + 15 * MIN });
      assert.ok(report.outcomes.every((o) => o.ok));
      const loop = (await findings()).find((f) => f.kind === 'oom_loop');
      const burst = (await findings()).find((f) => f.kind === 'error_burst');
      assert.ok(loop, 'the OOM loop is found');
      assert.ok(burst, 'the OutOfMemoryError lines are a burst');
      assert.equal(burst.status, 'open');
      assert.equal(burst.category, 'oom_java');
      assert.equal(burst.severity, 'critical');
      assert.deepEqual(burst.subject, loop.subject);
      assert.equal(burst.relatedTo, loop.id);
      assert.match(burst.title, /32 OutOfMemoryError lines in 10 min from 1 pod/);
      assert.match(
        burst.explanation,
        new RegExp(`OOM loop's \\(startup\\) — see finding ${loop.id}`),
      );
      const newest = burst.evidence.newestLines as { message: string }[];
      assert.equal(newest.length, 10);
      assert.ok(newest.every((l) => l.message.includes('java.lang.OutOfMemoryError')));

      // Quiet for 30 min after the last line: resolved, under the same id.
      await runner.run({ now: T0 + 12 * MIN + 30 * MIN });
      const after = (await findings()).filter((f) => f.kind === 'error_burst');
      assert.deepEqual(
        after.map((f) => [f.id, f.status]),
        [[burst.id, 'resolved']],
      );
      assert.equal((await store.finding(loop.id))?.status, 'open');
    },
  );
});
