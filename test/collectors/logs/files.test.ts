// The logs collector in file mode against a real /var/log/pods layout in a temp dir: the
// simulator's CRI writer for realistic content, plus hand-written lines (partials, garbage, a 10 MB
// line, Docker json-file, a Java OOM). Published lines are joined, tagged, in order and counted;
// after appending, rotating, a container restart and a collector restart from its checkpoint, no
// line is lost and none is sent twice.
import assert from 'node:assert/strict';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Subscription } from '../../../bus/bus.js';
import type { LogLine } from '../../../core/domain.js';
import { Topics, type AnyEnvelope, type Envelope } from '../../../core/envelope.js';
import { logsFactory } from '../../../collectors/logs/factory.js';
import { LogFilesCollector, parsePodDir } from '../../../collectors/logs/files.js';
import { criLines, writeCriLogs } from '../../../simulator/export/cri-logs.js';
import { createSimulation } from '../../../simulator/index.js';
import { VirtualClock } from '../../../simulator/model/clock.js';
import { LogSource } from '../../../simulator/model/logs.js';
import { waitFor } from '../../support/wait.js';
import { duplicates, memoryPipeline } from '../support.js';

const START = Date.UTC(2025, 0, 6);
const AT = START + 2 * 86_400_000;
const BACKFILL = 3 * 60_000;
const HAND = 'shop_checkout-7d9f8_0f3a-hand-uid';
const BIG = 10 * 1024 * 1024;

const ts = (second: number, nanos = 0) =>
  `${new Date(AT + second * 1000).toISOString().slice(0, 19)}.${String(nanos).padStart(9, '0')}Z`;

type Line = Envelope<'log_line'>;

describe('logs collector, file mode', () => {
  const root = mkdtempSync(join(tmpdir(), 'plimsoll-logs-'));
  const pods = join(root, 'pods');
  const checkpointFile = join(root, 'state', 'logs.json');
  const handDir = join(pods, HAND, 'app');
  const { telemetry, bus, publisher, deps } = memoryPipeline();
  const received: AnyEnvelope[] = [];
  let subscription: Subscription;
  /** Simulated messages per `<podDir>/<container>`, in file order. */
  const simulated = new Map<string, string[]>();

  const lines = () => received.filter((r): r is Line => r.kind === 'log_line');
  const of = (podDir: string, container: string) => {
    const pod = parsePodDir(podDir)!;
    return lines()
      .map((r) => r.payload)
      .filter((l) => l.podUid === pod.uid && l.container === container);
  };
  const issues = async (code: string) => {
    const metric = telemetry.registry.getSingleMetric('plimsoll_collector_input_issues_total');
    const { values } = await metric!.get();
    return values
      .filter((v) => v.labels.collector === 'logs' && v.labels.code === code)
      .reduce((sum, v) => sum + v.value, 0);
  };
  const collector = () =>
    logsFactory.create(
      {
        ...logsFactory.defaultConfig,
        source: 'files',
        root: pods,
        pollIntervalMs: 20,
        mode: 'all',
        ratePerSecond: 1e9,
        burst: 1e9,
        nodeName: 'node-a',
        checkpointFile,
      },
      deps,
    ) as LogFilesCollector;
  const settled = async (c: LogFilesCollector, count: number) => {
    await waitFor(
      () => ({ lines: lines().length, idle: c.idlePolls }),
      (v) => v.lines >= count && v.idle >= 3,
      { timeoutMs: 60_000, intervalMs: 20, what: `${count} log lines and an idle collector` },
    );
    // Nothing more arrives once the collector has nothing left to read.
    await publisher.flush(10_000);
    assert.equal(lines().length, count);
  };

  before(async () => {
    mkdirSync(pods, { recursive: true });
    await bus.start();
    subscription = await bus.subscribe({
      group: 'test',
      topics: Object.values(Topics),
      handler: (messages) => {
        for (const m of messages)
          received.push(JSON.parse(m.value.toString('utf8')) as AnyEnvelope);
        return Promise.resolve();
      },
    });
    await publisher.start();

    // Realistic content: the simulator's writer, three minutes of every container on a fixed clock.
    const sim = createSimulation({ scenario: 'mixed', seed: 1, start: START, nodes: 3 });
    const source = new LogSource(sim);
    let bytes = 0;
    for (const view of sim.podsAt(AT)) {
      if (view.evicted) continue;
      view.containers.forEach((cv, ci) => {
        if (!cv.run) return;
        const entries = source.lines(view.pod, ci, cv.run, AT - BACKFILL, AT);
        if (entries.length === 0) return;
        const key = `${view.slot.workload.namespace}_${view.pod.name}_${view.pod.uid}/${cv.model.name}`;
        simulated.set(key, [...(simulated.get(key) ?? []), ...entries.map((e) => e.message)]);
        bytes += Buffer.byteLength(entries.map(criLines).join(''));
      });
    }
    const clock = new VirtualClock({ origin: AT, speed: 1, realNow: () => 0 });
    const stop = writeCriLogs(sim, clock, pods, { backfillMs: BACKFILL, intervalMs: 60_000 });
    const written = () =>
      readdirSync(pods, { recursive: true, encoding: 'utf8' })
        .map((f) => statSync(join(pods, f)))
        .filter((s) => s.isFile())
        .reduce((n, s) => n + s.size, 0);
    await waitFor(written, (n) => n >= bytes, {
      what: 'the simulator to write its CRI logs',
    });
    stop();

    // Hand-written: partials, garbage, a 10 MB line, a Docker json-file line, a Java OOM.
    mkdirSync(handDir, { recursive: true });
    writeFileSync(
      join(handDir, '0.log'),
      [
        `${ts(1)} stdout F hello`,
        `${ts(2, 1)} stdout P part-one `,
        `${ts(2, 2)} stdout P part-two `,
        `${ts(2, 3)} stdout F part-three`,
        'this is garbage',
        `${ts(3)} stdout F ${'x'.repeat(BIG)}`,
        JSON.stringify({ log: 'docker style\n', stream: 'stdout', time: ts(4) }),
        `${ts(5)} stderr F Exception in thread "main" java.lang.OutOfMemoryError: Java heap space`,
        '',
      ].join('\n'),
    );
    // Not a pod directory, and a compressed rotation: both ignored.
    mkdirSync(join(pods, 'lost+found'));
    writeFileSync(join(handDir, '0.log.20250101-000000.gz'), 'not a log\n');
  });

  after(async () => {
    await publisher.stop();
    await subscription.stop();
    await bus.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('publishes every line joined, tagged and in order, then resumes from its checkpoint', async () => {
    const simTotal = [...simulated.values()].reduce((n, m) => n + m.length, 0);
    assert.ok(simulated.size >= 5 && simTotal >= 100, `sim wrote ${simTotal} lines`);

    const first = collector();
    await first.start();
    await settled(first, simTotal + 5);

    for (const [key, messages] of simulated) {
      const [podDir, container] = key.split('/') as [string, string];
      assert.deepEqual(
        of(podDir, container).map((l) => l.message),
        messages,
        key,
      );
    }
    const hand = of(HAND, 'app');
    assert.deepEqual(
      hand.map((l) => [l.message.slice(0, 40), l.stream, l.tags]),
      [
        ['hello', 'stdout', []],
        ['part-one part-two part-three', 'stdout', []],
        ['x'.repeat(40), 'stdout', []],
        ['docker style', 'stdout', []],
        ['Exception in thread "main" java.lang.Out', 'stderr', ['oom_java']],
      ],
    );
    const [hello, joined, big] = hand as [LogLine, LogLine, LogLine];
    assert.deepEqual(
      { ns: hello.namespace, pod: hello.pod, uid: hello.podUid, node: hello.node },
      { ns: 'shop', pod: 'checkout-7d9f8', uid: '0f3a-hand-uid', node: 'node-a' },
    );
    assert.equal(hello.timestamp, AT + 1000);
    // A joined line carries the time of its first record.
    assert.equal(joined.nanos, 1);
    assert.equal(joined.timestamp, AT + 2000);
    // The 10 MB line costs its first 65,536 characters and a count.
    assert.equal(big.message.length, 65_536);
    assert.equal(await issues('malformed_log_line'), 1);
    assert.equal(await issues('log_line_truncated'), 1);
    assert.equal(await issues('unknown_log_dir'), 1);

    // Appended while running: one full line, and a partial whose F comes after the restart.
    appendFileSync(
      join(handDir, '0.log'),
      `${ts(6)} stdout F after-1\n${ts(7)} stdout P pending-1 `,
    );
    appendFileSync(join(handDir, '0.log'), `\n`);
    await settled(first, simTotal + 6);
    await first.stop();

    // While the collector is down: the line completes, more is written, the kubelet rotates 0.log,
    // the container restarts (1.log), and one simulated pod is deleted.
    appendFileSync(
      join(handDir, '0.log'),
      `${ts(8)} stdout F pending-2\n${ts(9)} stdout F before-rotate\n`,
    );
    renameSync(join(handDir, '0.log'), join(handDir, '0.log.20250108-000010'));
    writeFileSync(join(handDir, '0.log'), `${ts(10)} stdout F after-rotate\n`);
    writeFileSync(join(handDir, '1.log'), `${ts(11)} stderr F panic: second run\n`);
    const [gone] = [...simulated.keys()];
    rmSync(join(pods, gone!.split('/')[0]!), { recursive: true });

    const second = collector();
    await second.start();
    await settled(second, simTotal + 10);
    await second.stop();

    assert.deepEqual(duplicates(lines().map((r) => r.id)), []);
    assert.deepEqual(
      of(HAND, 'app')
        .slice(5)
        .map((l) => [l.message, l.tags]),
      [
        ['after-1', []],
        ['pending-1 pending-2', []],
        ['before-rotate', []],
        ['after-rotate', []],
        ['panic: second run', ['panic']],
      ],
    );
    for (const [key, messages] of simulated) {
      const [podDir, container] = key.split('/') as [string, string];
      assert.equal(of(podDir, container).length, messages.length, key);
    }
    // The deleted pod's files are no longer followed; the hand pod's two runs are.
    assert.equal(second.following, simulated.size - 1 + 2);
  });

  it('ships tagged lines with their context only, in tagged mode', async () => {
    const dir = join(root, 'tagged');
    mkdirSync(join(dir, 'ns_p_u1', 'c'), { recursive: true });
    writeFileSync(
      join(dir, 'ns_p_u1', 'c', '0.log'),
      [1, 2, 3, 4, 5, 6, 7]
        .map((i) =>
          i === 4
            ? `${ts(i)} stdout F Exception java.lang.OutOfMemoryError: Java heap space`
            : `${ts(i)} stdout F line ${i}`,
        )
        .join('\n') + '\n',
    );
    const c = new LogFilesCollector(
      {
        ...logsFactory.defaultConfig,
        root: dir,
        pollIntervalMs: 20,
        mode: 'tagged',
        contextLines: 1,
        checkpointFile: undefined,
      },
      deps,
    );
    const before = lines().length;
    await c.start();
    await waitFor(
      () => c.idlePolls,
      (n) => n >= 3,
    );
    await c.stop();
    assert.deepEqual(
      lines()
        .slice(before)
        .map((r) => r.payload.message),
      ['line 3', 'Exception java.lang.OutOfMemoryError: Java heap space', 'line 5'],
    );
  });
});
